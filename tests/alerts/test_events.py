"""The events worth pushing: kinds, severities, Chinese messages naming the site, the target and what
to do, and dedupe keys stable for the same fact. Hand-made inputs, then a simulated site's stored run
against the simulator's manifest."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from govwatch.alerts.events import (
    Event,
    SiteRef,
    column_due_events,
    homepage_updates_event,
    new_findings_events,
    transition_event,
    veto_class,
    veto_risk_event,
)
from govwatch.alerts.state import AlertState, Transition, due_reminder, escalation_due, observe
from govwatch.core.clock import SHANGHAI
from govwatch.core.model import Finding
from govwatch.core.serviceconfig import EVENT_KINDS, AlertPolicy, load_service_config
from govwatch.rules.loader import load_ruleset
from govwatch.scoring.deadlines import Deadline, upcoming_deadlines
from govwatch.scoring.runs import stored_findings
from tests.conftest import AS_OF, InspectedSites

T0 = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
URL = "http://127.0.0.1:8080/"
SITE = SiteRef(URL, "某县人民政府网站", "320000-01")
NATIONAL = load_ruleset("national-2019")
POLICY = AlertPolicy()


def visits(marks: str, state: AlertState, start: datetime = T0,
           policy: AlertPolicy = POLICY) -> tuple[AlertState, list[Transition]]:
    said: list[Transition] = []
    for n, mark in enumerate(marks):
        state, out = observe(state, mark == "+", start + timedelta(minutes=10 * n), policy,
                             None if mark == "+" else "连接超时")
        said += out
    return state, said


# -- transitions --------------------------------------------------------------------------------


def test_site_down_and_recovered_name_the_site_the_target_and_what_to_do() -> None:
    state, said = visits("+--++", AlertState.initial("site", URL, URL, T0))
    down, recovered = (transition_event(t, SITE.name, SITE.org_code) for t in said)
    assert (down.kind, down.severity, down.target_url, down.org_code) == ("site_down", "critical", URL, "320000-01")
    assert down.title == "【预警】某县人民政府网站首页无法访问"
    assert down.text == ("某县人民政府网站首页已连续2次无法访问（连接超时，最近一次 2026-12-04 10:20）。"
                         "请立即检查服务器和网络，恢复后系统将自动通知。")
    assert down.dedupe_key == f"site_down:{URL}:{said[0].state.since.isoformat()}"
    assert (recovered.kind, recovered.severity) == ("site_recovered", "info")
    assert recovered.title == "【恢复】某县人民政府网站首页已恢复访问"
    assert "连续2次访问正常" in recovered.text and "中断约20分钟" in recovered.text
    assert recovered.dedupe_key != down.dedupe_key
    # the same transition built again is the same event (no second outbox row)
    assert transition_event(said[0], SITE.name, SITE.org_code) == down


def test_column_and_system_targets_use_the_column_kinds_and_name_the_column() -> None:
    column = URL + "news/tzgg/"
    _, said = visits("--", AlertState.initial("column", column, URL, T0))
    event = transition_event(said[0], SITE.name, SITE.org_code, target_name="通知公告")
    assert (event.kind, event.target_url, event.data["target_kind"]) == ("column_down", column, "column")
    assert event.title == "【预警】某县人民政府网站栏目「通知公告」无法访问"
    assert column in event.text and "请检查栏目页面" in event.text
    system = "http://127.0.0.1:9090/zwfw/"
    _, said = visits("--", AlertState.initial("system", system, URL, T0))
    event = transition_event(said[0], None, None)
    assert (event.kind, event.data["target_kind"]) == ("column_down", "system")
    assert event.title == f"【预警】{URL}在线办事系统（{system}）无法访问"  # no name: the URL names the site
    assert "请联系系统运维单位检查" in event.text


def test_reminders_flapping_and_escalation_are_down_events_with_their_own_keys() -> None:
    policy = AlertPolicy(escalate_after_hours=2)
    state, said = visits("--", AlertState.initial("site", URL, URL, T0), policy=policy)
    down = transition_event(said[0], SITE.name, SITE.org_code)
    first = due_reminder(state, T0 + timedelta(minutes=70), policy)
    assert first is not None
    second = due_reminder(first.state, T0 + timedelta(minutes=130), policy)
    assert second is not None
    r1, r2 = (transition_event(t, SITE.name, SITE.org_code) for t in (first, second))
    assert r1.kind == r2.kind == "site_down" and r1.data["reminder"] and r1.title.startswith("【提醒】")
    assert "自 2026-12-04 10:10 起无法访问，已持续1小时" in r1.text
    assert len({down.dedupe_key, r1.dedupe_key, r2.dedupe_key}) == 3
    assert r1.dedupe_key.startswith(down.dedupe_key)  # the episode's key, then the reminder
    esc = escalation_due(second.state, T0 + timedelta(hours=2, minutes=10), policy)
    assert esc is not None
    up = transition_event(esc, SITE.name, SITE.org_code)
    assert up.data["escalate"] and up.title.startswith("【升级】") and up.dedupe_key == f"{down.dedupe_key}:escalate"
    _, flapping = visits("++--++--++", state, start=T0 + timedelta(minutes=20),
                         policy=AlertPolicy(flap_changes=2))
    # changes at +10 (down), +30, +50 (the third: flapping), +70, +90, +110: one message per hour
    assert [t.kind for t in flapping] == ["recovered", "flapping", "flapping"]
    flap = [transition_event(t, SITE.name, SITE.org_code) for t in flapping[1:]]
    assert [e.at - T0 for e in flap] == [timedelta(minutes=50), timedelta(minutes=110)]
    assert all(e.kind == "site_down" and e.data["flapping"] and e.severity == "warning" for e in flap)
    assert "反复变化3次" in flap[0].text and flap[0].title == "【预警】某县人民政府网站首页访问时好时坏"
    assert flap[0].dedupe_key != flap[1].dedupe_key


def test_payloads_round_trip_and_bad_ones_are_refused() -> None:
    _, said = visits("--", AlertState.initial("site", URL, URL, T0))
    event = transition_event(said[0], SITE.name, SITE.org_code)
    payload = json.loads(json.dumps(event.to_payload(), ensure_ascii=False))
    assert Event.from_payload(payload) == event
    with pytest.raises(ValueError, match="kind 'site_gone'"):
        Event.from_payload({**payload, "kind": "site_gone"})
    with pytest.raises(ValueError, match="severity 'loud'"):
        Event.from_payload({**payload, "severity": "loud"})
    with pytest.raises(ValueError, match="lacks title"):
        Event.from_payload({k: v for k, v in payload.items() if k != "title"})


# -- veto risk, deadlines, homepage updates -----------------------------------------------------


def test_veto_risk_warns_at_the_share_before_the_tables_veto() -> None:
    veto = float(NATIONAL.availability["max_failure_ratio"])  # 0.05: the rule table's veto, not a constant here
    assert veto_risk_event(SITE, 5 / 200, 5, 200, 7, 0.03, veto, at=T0) is None
    assert veto_risk_event(SITE, 0.0, 0, 0, 7, 0.03, veto, at=T0) is None
    risk = veto_risk_event(SITE, 7 / 200, 7, 200, 7, 0.03, veto, at=T0)
    assert risk is not None and (risk.kind, risk.severity) == ("veto_risk", "warning")
    assert risk.title == "【预警】某县人民政府网站首页可用性接近单项否决线"
    assert "近7天监测访问200次，失败7次，失败比例3.5%，已超过预警线3%，接近单项否决线5%" in risk.text
    assert "请立即排查" in risk.text
    same_day = veto_risk_event(SITE, 8 / 200, 8, 200, 7, 0.03, veto, at=T0 + timedelta(hours=5))
    assert same_day is not None and same_day.dedupe_key == risk.dedupe_key  # the same fact, told once a day
    reached = veto_risk_event(SITE, 10 / 200, 10, 200, 7, 0.03, veto, at=T0)
    assert reached is not None and reached.severity == "critical" and "已达到单项否决线5%" in reached.text
    assert reached.dedupe_key != risk.dedupe_key
    other_table = veto_risk_event(SITE, 10 / 200, 10, 200, 7, 0.03, 0.08, at=T0)
    assert other_table is not None and other_table.data["step"] == "risk"


def _deadline(url: str, column: str, expires: str | None, site_url: str = URL, ctype: str = "dynamic") -> Deadline:
    return Deadline(site_url, SITE.name, 7, "2026-11-22", column, url, ctype, "2026-11-10", "14天", expires or "", 0)


def test_column_due_steps_and_keys() -> None:
    as_of = date(2026, 11, 22)
    rows = [_deadline(URL + "a/", "工作动态", "2026-11-27"),  # 5 days: not yet
            _deadline(URL + "b/", "通知公告", "2026-11-25"),  # 3 days: warn
            _deadline(URL + "c/", "政策文件", "2026-11-22"),  # today
            _deadline(URL + "d/", "人事信息", "2026-11-20"),  # 2 days over
            _deadline(URL + "e/", "其他", None),  # no window for the type
            _deadline("http://other/b/", "通知公告", "2026-11-25", site_url="http://other/"),
            _deadline(URL, "首页", "2026-11-24", ctype="homepage")]
    events = {e.target_url: e for e in column_due_events(SITE, rows, as_of, 3)}
    assert set(events) == {URL + "b/", URL + "c/", URL + "d/", URL}
    warn, today, over, home = events[URL + "b/"], events[URL + "c/"], events[URL + "d/"], events[URL]
    assert {e.kind for e in events.values()} == {"column_due"} and {e.severity for e in events.values()} == {"warning"}
    assert warn.title == "【预警】某县人民政府网站「通知公告」栏目3天后到更新期限"
    assert "最近一次更新为2026-11-10，按“14天内须有更新”的要求，最后期限为2026-11-25，还剩3天" in warn.text
    assert warn.dedupe_key == f"column_due:{URL}b/:2026-11-25:warn"
    assert today.data["step"] == "last_day" and "今天是更新期限最后一天" in today.title
    assert over.data["days_left"] == -2 and "已超过更新期限2天" in over.title and over.dedupe_key.endswith(":overdue")
    assert home.title.startswith("【预警】某县人民政府网站首页")
    # counted from as_of, not from the row's stored days_left; re-running gives the same keys
    later = column_due_events(SITE, rows, date(2026, 11, 23), 3)
    assert {e.dedupe_key for e in later} >= {warn.dedupe_key, over.dedupe_key}
    assert {e.target_url for e in column_due_events(SITE, rows, as_of, 0)} == {URL + "c/", URL + "d/"}


def test_homepage_updates_below_the_rule() -> None:
    assert homepage_updates_event(SITE, 10, 10, 14, at=T0) is None
    event = homepage_updates_event(SITE, 6, 10, 14, at=T0)
    assert event is not None and (event.kind, event.severity, event.target_url) == ("homepage_updates_low", "warning", URL)
    assert event.text.startswith("某县人民政府网站首页近14天更新6条，少于评分表要求的10条。请")
    again = homepage_updates_event(SITE, 5, 10, 14, at=T0 + timedelta(hours=3))
    assert again is not None and again.dedupe_key == event.dedupe_key


# -- new findings -------------------------------------------------------------------------------


def _finding(kind: str, url: str, **evidence: Any) -> Finding:
    return Finding(kind, f"content.{kind}", "content", url, f"{kind} at {url}", evidence)


def test_veto_class_follows_the_rule_table() -> None:
    serious = _finding("wording_error", URL + "1.htm", serious=True)
    plain = _finding("wording_error", URL + "2.htm", serious=False)
    assert veto_class(serious, NATIONAL) == "V1 安全、泄密事故等严重问题：严重表述错误"
    assert veto_class(plain, NATIONAL) is None
    assert veto_class(_finding("dark_link", URL), NATIONAL) is not None
    assert veto_class(_finding("privacy_leak", URL), NATIONAL) is None  # no table vetoes it: immediate_kinds does
    assert veto_class(_finding("typo", URL), NATIONAL) is None
    stale = Finding("stale_column", "freshness.column", "freshness", URL, "", {"type": "dynamic"})
    assert veto_class(stale, NATIONAL) is None  # a veto of >= 5 stale columns: no single one is veto-class


def test_new_findings_split_into_immediate_and_digest_events() -> None:
    serious = _finding("wording_error", URL + "1.htm", serious=True)
    plain = _finding("wording_error", URL + "2.htm", serious=False)
    leak = _finding("privacy_leak", URL + "3.htm")
    typo = _finding("typo", URL + "4.htm")
    old_dark = _finding("dark_link", URL)
    events = new_findings_events(SITE, [old_dark, typo], [old_dark, typo, serious, plain, leak], ruleset=NATIONAL,
                                 at=T0, run_id=9)
    by = {(e.kind, e.data["finding_kind"]): e for e in events}
    assert set(by) == {("new_veto_finding", "wording_error"), ("new_finding", "wording_error"),
                       ("new_veto_finding", "privacy_leak")}  # the dark link and the typo are not new
    veto = by[("new_veto_finding", "wording_error")]
    assert veto.severity == "critical" and veto.title == "【预警】某县人民政府网站新发现表述错误1处"
    assert "单项否决" in veto.text and "更正错误表述" in veto.text and URL + "1.htm" in veto.text
    assert [f["url"] for f in veto.data["findings"]] == [URL + "1.htm"] and veto.data["run_id"] == 9
    assert by[("new_finding", "wording_error")].severity == "info"
    assert by[("new_veto_finding", "privacy_leak")].title == "【预警】某县人民政府网站新发现个人信息泄露1处"
    again = new_findings_events(SITE, [typo], [plain, leak, serious, old_dark, typo], ruleset=NATIONAL, at=T0)
    assert {e.dedupe_key for e in again} >= {e.dedupe_key for e in events}  # same facts, same keys, any order
    assert new_findings_events(SITE, [serious, leak], [leak, serious], ruleset=NATIONAL, at=T0) == []
    digest_only = new_findings_events(SITE, [], [leak], ruleset=NATIONAL, at=T0, immediate_kinds=())
    assert [e.kind for e in digest_only] == ["new_finding"]
    assert all(e.kind in EVENT_KINDS for e in events)


def test_immediate_kinds_come_from_the_service_config(tmp_path: Path) -> None:
    config = tmp_path / "service.yaml"
    config.write_text("alerting:\n  immediate_kinds: [typo]\n", encoding="utf-8")
    policy = load_service_config(config).alerting
    typo, leak = _finding("typo", URL + "4.htm"), _finding("privacy_leak", URL + "3.htm")
    events = new_findings_events(SITE, [], [typo, leak], ruleset=NATIONAL, at=T0, immediate_kinds=policy.immediate_kinds)
    assert {(e.kind, e.data["finding_kind"]) for e in events} == {("new_veto_finding", "typo"),
                                                                  ("new_finding", "privacy_leak")}


# -- a simulated site's stored run ---------------------------------------------------------------


@pytest.fixture()
def legacy(inspected_sites: InspectedSites, sim: Any) -> tuple[InspectedSites, dict[str, Any], dict[str, Any]]:
    site = inspected_sites["legacy"]
    return inspected_sites, site.document, sim.manifest["sites"]["legacy"]


def test_column_due_from_a_real_run_matches_the_manifest(
        legacy: tuple[InspectedSites, dict[str, Any], dict[str, Any]]) -> None:
    sites, doc, truth = legacy
    url = doc["site"]["url"]
    site = SiteRef(url, doc["site"].get("name"), None)
    rows = upcoming_deadlines(sites.store, AS_OF, 3, url)
    events = column_due_events(site, rows, AS_OF, 3)
    got = {e.target_url: e.data["days_left"] for e in events if e.data["type"] != "homepage"}
    # truth: the manifest's columns, their newest item and the rule table's window for their type
    rules = load_ruleset(doc["ruleset"]["id"]) if isinstance(doc.get("ruleset"), dict) else NATIONAL
    expected = {}
    for col in truth["columns"]:
        window = rules.column_window(col["type"])
        if window is None or not col["newest_date"] or col["blank"]:
            continue
        left = (window.expires(date.fromisoformat(col["newest_date"])) - AS_OF).days
        if left <= 3:
            expected[col["url"]] = left
    assert expected and got == expected
    assert any(left < 0 for left in expected.values())  # stale columns are told as overdue
    assert all(e.title.startswith("【预警】") and e.site_url == url for e in events)


def test_new_findings_of_a_first_run_follow_the_plants(
        legacy: tuple[InspectedSites, dict[str, Any], dict[str, Any]]) -> None:
    sites, doc, truth = legacy
    url = doc["site"]["url"]
    findings = stored_findings(sites.store, sites["legacy"].run_id)
    events = new_findings_events(SiteRef(url, "旧版网站"), [], findings, ruleset=NATIONAL, at=T0)
    urls: dict[tuple[str, str], set[str]] = {}
    for e in events:
        urls.setdefault((e.kind, e.data["finding_kind"]), set()).update(f["url"] for f in e.data["findings"])
    plants = [p for p in truth["planted"] if "needs" not in p]
    for kind in ("dark_link", "banned_content", "privacy_leak"):
        planted = {p["url"] for p in plants if p["kind"] == kind}
        assert planted and planted <= urls.get(("new_veto_finding", kind), set()), kind
        assert ("new_finding", kind) not in urls
    planted_typos = {p["url"] for p in plants if p["kind"] == "typo"}
    assert planted_typos and planted_typos <= urls[("new_finding", "typo")]
    wording = [f for f in findings if f.kind == "wording_error"]
    assert {f.url for f in wording if f.evidence.get("serious")} == urls.get(("new_veto_finding", "wording_error"), set())
    assert sum(e.data["count"] for e in events) == len({f.fingerprint for f in findings})
    # the next run with the same findings tells nothing new
    assert new_findings_events(SiteRef(url), findings, findings, ruleset=NATIONAL, at=T0) == []
