"""Routing (alerts/routing.py) on hand-made events, configs and registry views: rules × recipients and
channels over the org tree, filings and maintenance (suppressed), inhibition, quiet hours and digests
(held), escalation to the next org level."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from govwatch.alerts.events import Event
from govwatch.alerts.routing import INHIBITED_BY_SITE_DOWN, Filing, RegistryView, route
from govwatch.core.clock import SHANGHAI
from govwatch.core.serviceconfig import ServiceConfig, parse_service_config
from govwatch.store.service_rows import OutboxRow, stamp

QS, BH, DJ = "http://www.qs.gov.cn/", "http://www.bh.gov.cn/", "http://www.dj.gov.cn/"
# 宁川省 450000 → 宁川市 450100 → 青山县 450121 ; 宁川省 → 东江市 450200
VIEW = RegistryView(org_parents={"450000": None, "450100": "450000", "450121": "450100", "450200": "450000"},
                    site_ids={QS: 1, BH: 2, DJ: 3})
NOON = datetime(2026, 12, 4, 12, 0, tzinfo=SHANGHAI)
CHANNELS = [{"name": "ding", "type": "webhook", "url": "http://127.0.0.1:9/hook"},
            {"name": "mail", "type": "webhook", "url": "http://127.0.0.1:9/mail"},
            {"name": "city-ding", "type": "webhook", "url": "http://127.0.0.1:9/city"}]


def config(**data: Any) -> ServiceConfig:
    return parse_service_config({"channels": CHANNELS, **data}, "test.yaml", environ={})


def event(kind: str = "site_down", site: str = QS, org: str | None = "450121", severity: str = "critical",
          at: datetime = NOON, **data: Any) -> Event:
    return Event(kind, severity, site, "青山县人民政府", org, site, f"【预警】{kind}", "正文", f"{kind}:{site}:{at}", at,
                 dict(data))


def pairs(found: list[OutboxRow]) -> set[tuple[str, str, str]]:
    return {(r.recipient, r.channel, r.state) for r in found}


def test_an_org_code_covers_its_subtree_and_a_rule_channel_is_its_own_recipient() -> None:
    cfg = config(alerts=[{"events": ["site_down"], "channels": ["ding"], "orgs": ["450100"]}])
    assert pairs(route(event(), cfg, VIEW)) == {("ding", "ding", "pending")}  # 青山县 is under 宁川市
    assert route(event(site=DJ, org="450200"), cfg, VIEW) == []  # 东江市 is not
    assert route(event("site_recovered", severity="info"), cfg, VIEW) == []  # kind not in the rule
    [row] = route(event(), cfg, VIEW)
    assert row.site_id == 1 and row.next_attempt_at == stamp(NOON) and row.payload["kind"] == "site_down"


def test_site_urls_min_severity_and_recipients_scopes() -> None:
    cfg = config(
        recipients=[{"name": "county", "channels": ["ding", "mail"], "orgs": ["450121"]},
                    {"name": "dj-office", "channels": ["mail"], "orgs": ["450200"]},
                    {"name": "bh-webmaster", "channels": ["ding"], "orgs": ["450200"], "sites": [BH]}],
        alerts=[{"events": ["veto_risk"], "recipients": ["county", "dj-office", "bh-webmaster"],
                 "min_severity": "critical"},
                {"events": ["column_due"], "channels": ["ding"], "orgs": [BH]}])
    assert route(event("veto_risk", severity="warning"), cfg, VIEW) == []  # below min_severity
    assert pairs(route(event("veto_risk"), cfg, VIEW)) == {("county", "ding", "pending"), ("county", "mail", "pending")}
    assert pairs(route(event("veto_risk", site=BH, org="450122"), cfg, VIEW)) == {("bh-webmaster", "ding", "pending")}
    assert pairs(route(event("column_due", site=BH, org=None, severity="warning"), cfg, VIEW)) == {
        ("ding", "ding", "pending")}
    assert route(event("column_due", severity="warning"), cfg, VIEW) == []


def test_a_filing_covering_the_kind_suppresses_for_the_record() -> None:
    cfg = config(alerts=[{"events": ["site_down", "new_veto_finding"], "channels": ["ding"]}])
    revamp = Filing(7, date(2026, 12, 1), date(2026, 12, 10), "网站改版")
    only_links = Filing(8, date(2026, 12, 1), date(2026, 12, 10), "链接整改", ("broken_link",))
    view = RegistryView(VIEW.org_parents, VIEW.site_ids, filings={QS: (revamp,), BH: (only_links,)})
    [row] = route(event(), cfg, view)
    assert row.state == "suppressed" and row.next_attempt_at is None and "临时报备 #7" in (row.last_error or "")
    assert route(event(at=datetime(2026, 12, 11, 8, 0, tzinfo=SHANGHAI)), cfg, view)[0].state == "pending"
    assert route(event(site=BH, org="450122"), cfg, view)[0].state == "pending"  # filed for other kinds
    [links] = route(event("new_veto_finding", site=BH, org="450122", finding_kind="broken_link"), cfg, view)
    assert links.state == "suppressed"


def test_a_maintenance_window_suppresses_its_sites_and_kinds() -> None:
    cfg = config(alerts=[{"events": ["site_down", "veto_risk"], "channels": ["ding"]}],
                 maintenance=[{"sites": [QS], "from": "11:30", "to": "12:30", "kinds": ["site_down"]}])
    assert route(event(), cfg, VIEW)[0].state == "suppressed"
    assert route(event("veto_risk"), cfg, VIEW)[0].state == "pending"
    assert route(event(at=datetime(2026, 12, 4, 13, 0, tzinfo=SHANGHAI)), cfg, VIEW)[0].state == "pending"


def test_inhibition_while_the_site_is_down() -> None:
    cfg = config(alerts=[{"events": ["column_down", "new_veto_finding"], "channels": ["ding"]}])
    down = RegistryView(VIEW.org_parents, VIEW.site_ids, down_sites=frozenset({QS}))
    [column] = route(event("column_down"), cfg, down)
    assert (column.state, column.last_error) == ("suppressed", INHIBITED_BY_SITE_DOWN)
    assert route(event("column_down"), cfg, VIEW)[0].state == "pending"  # the site is up
    assert route(event("new_veto_finding", finding_kind="broken_link"), cfg, down)[0].state == "suppressed"
    assert route(event("new_veto_finding", finding_kind="dark_link"), cfg, down)[0].state == "pending"


def test_quiet_hours_hold_until_they_end_unless_excepted() -> None:
    cfg = config(alerts=[{"events": ["site_down", "column_due", "veto_risk"], "channels": ["ding"]}],
                 quiet_hours={"from": "22:00", "to": "07:30", "except": ["site_down"]},
                 recipients=[])
    night = datetime(2026, 12, 4, 23, 10, tzinfo=SHANGHAI)
    [due] = route(event("column_due", severity="warning", at=night), cfg, VIEW)
    assert due.state == "held" and due.next_attempt_at == stamp(datetime(2026, 12, 5, 7, 30, tzinfo=SHANGHAI))
    assert route(event(at=night), cfg, VIEW)[0].state == "pending"  # excepted kind
    assert route(event("column_due", severity="warning"), cfg, VIEW)[0].state == "pending"  # daytime
    channel_quiet = parse_service_config(
        {"channels": [{**CHANNELS[0], "quiet_hours": {"from": "12:00", "to": "13:00", "min_severity": "critical"}}],
         "alerts": [{"events": ["veto_risk"], "channels": ["ding"]}]}, "t.yaml", environ={})
    assert route(event("veto_risk", severity="warning"), channel_quiet, VIEW)[0].state == "held"
    assert route(event("veto_risk"), channel_quiet, VIEW)[0].state == "pending"  # critical goes through


def test_new_findings_wait_for_the_recipients_digest() -> None:
    cfg = config(recipients=[{"name": "county", "channels": ["mail"], "digest_at": "17:30"}],
                 alerts=[{"events": ["new_finding", "site_recovered"], "recipients": ["county"],
                          "channels": ["ding"]}])
    found = {r.recipient: r for r in route(event("new_finding", severity="info", finding_kind="typo"), cfg, VIEW)}
    assert found["county"].state == "held"
    assert found["county"].next_attempt_at == stamp(datetime(2026, 12, 4, 17, 30, tzinfo=SHANGHAI))
    assert found["ding"].next_attempt_at == stamp(datetime(2026, 12, 4, 18, 0, tzinfo=SHANGHAI))  # service default
    assert {r.state for r in route(event("site_recovered", severity="info"), cfg, VIEW)} == {"pending"}


def test_escalation_goes_to_the_next_org_level_with_recipients() -> None:
    cfg = config(recipients=[{"name": "county", "channels": ["ding"], "orgs": ["450121"]},
                             {"name": "province", "channels": ["mail", "city-ding"], "orgs": ["450000"]}],
                 alerts=[{"events": ["site_down"], "recipients": ["county"]}])
    assert pairs(route(event(), cfg, VIEW)) == {("county", "ding", "pending")}
    # 宁川市 (the parent) has no recipient: the level above it (宁川省) gets the escalation
    assert pairs(route(event(escalate=True), cfg, VIEW)) == {("province", "mail", "pending"),
                                                             ("province", "city-ding", "pending")}
