"""The content findings carry the evidence fields the rule tables match (national-2019)."""

from __future__ import annotations

from govwatch.checks import looked_for, run_checks
from govwatch.rules import load_ruleset
from govwatch.rules.engine import EngineFinding, ScoreInput, matches, score
from tests.checks.casefiles import build_run

AS_OF = {"as_of": "2026-06-30"}  # a case file's settings


def _findings(html: str, check: str) -> list[EngineFinding]:
    findings, runs = run_checks(build_run(AS_OF, {"html": html}), [check])
    assert runs[0].status == "ok"
    return [EngineFinding(id=f"F{i}", finding=f) for i, f in enumerate(findings)]


def test_serious_wording_error_and_banned_content_trigger_the_veto() -> None:
    rules = load_ruleset("national-2019")
    veto = next(v for v in rules.data["vetoes"] if v["id"] == "V1")
    serious, banned = veto["conditions"][0]["match"][0], veto["conditions"][1]["match"][0]
    leader = _findings("<p>国务院总理李墙出席</p>", "wording")
    org = _findings("<p>人力资源和社会保章部</p>", "wording")
    gambling = _findings("<p>网上赌场</p>", "banned_content")
    assert [matches(serious, f, ScoreInput([], frozenset()).site) for f in leader + org] == [True, False]
    assert matches(banned, gambling[0], ScoreInput([], frozenset()).site)
    findings, runs = run_checks(build_run(AS_OF, {"html": "<p>国务院总理李墙出席</p>"}), ["wording"])
    sheet = score(rules, ScoreInput([EngineFinding(id="F0", finding=findings[0])], looked_for(runs)))
    assert next(v for v in sheet["vetoes"] if v["id"] == "V1")["triggered"] is True


def test_organisation_wording_error_is_a_wording_deduction() -> None:
    rules = load_ruleset("national-2019")
    findings, runs = run_checks(build_run(AS_OF, {"html": "<p>人力资源和社会保章部；工做</p>"}), ["wording"])
    assert {f.kind for f in findings} == {"wording_error", "typo"}
    sheet = score(rules, ScoreInput([EngineFinding(id=f"F{i}", finding=f) for i, f in enumerate(findings)],
                                    looked_for(runs)))
    assert next(v for v in sheet["vetoes"] if v["id"] == "V1")["triggered"] is False
    wording = next(i for i in sheet["indicators"] if i["id"] == "wording")
    assert wording["points"] == 2
