"""The interaction and service findings carry the evidence the rule tables match: national-2019,
census-2015 and suqian-2022 veto a message unanswered for more than three months and deduct
for the rest, by each table's own points (expected values typed from the tables' sources)."""

from __future__ import annotations

from typing import Any

import pytest

from govwatch.checks import looked_for, run_checks
from govwatch.rules import load_ruleset
from govwatch.rules.engine import EngineFinding, ScoreInput, SiteProfile, score
from tests.checks.casefiles import CASES, build_run, load

CHECKS = ["consult_channels", "messages_unanswered", "messages_late", "message_fields", "activities",
          "service_guides"]


def _case(file: str, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = load(CASES / "interaction" / file)
    return spec, next(c for c in spec["cases"] if c["name"].startswith(name))


def _sheet(table: str, *cases: tuple[str, str], role: str = "portal") -> dict[str, Any]:
    """The score sheet of the cases' findings; ``sheet["kinds"]`` maps finding ids to kinds."""
    findings: list[EngineFinding] = []
    kinds: set[str] = set()
    for file, name in cases:
        spec, case = _case(file, name)
        got, runs = run_checks(build_run(spec, {**case, "rules": table}), CHECKS)
        findings += [EngineFinding(id=f"F{len(findings) + i}", finding=f) for i, f in enumerate(got)]
        kinds |= looked_for(runs)
    sheet = score(load_ruleset(table), ScoreInput(findings, frozenset(kinds), SiteProfile(role=role)))
    sheet["kinds"] = {f.id: f.finding.kind for f in findings}
    return sheet


def _points(sheet: dict[str, Any], ident: str) -> float:
    return next(i for i in sheet["indicators"] if i["id"] == ident)["points"]


def _veto(sheet: dict[str, Any], ident: str) -> bool:
    return next(v for v in sheet["vetoes"] if v["id"] == ident)["triggered"]


@pytest.mark.parametrize("table", ["national-2019", "census-2015", "suqian-2022"])
def test_unanswered_for_more_than_three_months_vetoes_and_twenty_days_does_not(table: str) -> None:
    old = _sheet(table, ("messages.yaml", "unanswered for more than three months"))
    recent = _sheet(table, ("messages.yaml", "an overdue message under three months"))
    assert _veto(old, "V5") and not _veto(recent, "V5")


def test_late_replies_and_unpublished_fields_are_deductions() -> None:
    cases = [("messages.yaml", "table layout, consultation"), ("messages.yaml", "headed sections, complaint"),
             ("messages.yaml", "an overdue message under three months"), ("messages.yaml", "an answered message")]
    suqian = _sheet("suqian-2022", *cases)
    assert _points(suqian, "replies") == 3  # S: 每条扣1分 (two late, one unanswered)
    # fields of one message 1, no statistics 2 (once), the February-only mailbox has no message in
    # 2 months 3: 6, capped at the indicator's 5
    assert _points(suqian, "message-publicity") == 5
    national = _sheet("national-2019", *cases)
    assert _points(national, "messages") == 3 + 1 + 2  # 1 per late / unanswered / fields, statistics 2
    census = _sheet("census-2015", *cases)
    assert not _veto(census, "V5")
    traces = [(census["kinds"][i], t) for i, t in census["findings"].items()]
    message_traces = [t for kind, t in traces if kind in ("message_late_reply", "message_fields_unpublished")]
    # 2015 sets no reply limit (late replies are not assessed) and scores no unpublished fields
    assert "message_late_reply" not in census["kinds"].values()
    assert len(message_traces) == 1 and message_traces[0]["status"] == "unscored"


def test_guides_forms_and_online_systems_by_each_table() -> None:
    cases = [("services.yaml", "definition list without"), ("services.yaml", "headed sections without"),
             ("services.yaml", "inline labels"), ("services.yaml", "a form link that answers 404")]
    census = _sheet("census-2015", *cases)
    # 2 per missing class of the census's eight: 办理地点、联系电话 (one guide), 设定依据 (another)
    assert _points(census, "guides") == 2 * 2 + 2 * 1
    assert _points(census, "downloads") == 2  # one form not linked, one not downloadable
    suqian = _sheet("suqian-2022", *cases)
    assert _points(suqian, "guides") == pytest.approx(0.5 * 3 + 2 + 1)  # 3 missing classes, vague, unclear
    assert _points(suqian, "forms") == 2
    national = _sheet("national-2019", *cases)
    assert _veto(national, "V6")  # 设定依据 is a key class
    online = _sheet("census-2015", ("services.yaml", "one unreachable online entry"))
    assert _points(online, "online-systems") == 3


def test_no_service_channel_vetoes_only_sites_with_services() -> None:
    portal = _sheet("national-2019", ("services.yaml", "no service column"))
    assert _veto(portal, "V6")
    spec, case = _case("services.yaml", "no service column")
    got, runs = run_checks(build_run(spec, case), ["service_guides"])
    sheet = score(load_ruleset("national-2019"),
                  ScoreInput([EngineFinding(id="F0", finding=got[0])], looked_for(runs),
                             SiteProfile(role="department", has_services=False)))
    assert not _veto(sheet, "V6")


@pytest.mark.parametrize(("role", "points"), [("portal", 3), ("department", 3)])
def test_surveys_and_interviews_by_role(role: str, points: int) -> None:
    sheet = _sheet("census-2015", ("activities.yaml", "two surveys in the year"), role=role)
    assert _points(sheet, "survey") == points  # 2 a year: below 6 (portals) and below 3 (others)
    assert _points(sheet, "interview") == 5  # none at all
