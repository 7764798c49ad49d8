"""The finding catalogue agrees with the checks, the case files, the rule tables and the docs.

Adding a check is: one function, one case file, one catalogue entry, one line per rule table (a rule
or an ``unscored`` entry); each test below names what is missing. The last tests feed the same
function (:func:`tests.meta.catalogue_gaps.catalogue_gaps`) deliberately broken inputs and check that
it reports exactly the gap planted.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from govwatch.checks import REGISTRY, load_builtin_checks
from govwatch.core.catalogue import Catalogue, catalogue, load_catalogue
from govwatch.report.bulletin import PROBLEM_CLASSES
from govwatch.report.findings_doc import findings_markdown, shipped_tables
from govwatch.rules import RuleSet
from tests.meta.catalogue_gaps import FINDINGS_DOC, Gaps, case_expectations, catalogue_gaps

# Kinds a registered check emits that no case file (tests/checks/cases/<family>/*.yaml) expects yet:
# an explicit allow-list that only shrinks. Every kind has a case file now, so it is empty; the test
# fails both for a kind without a case file and for a kind listed here that has one.
KINDS_WITHOUT_CASE_FILE: frozenset[str] = frozenset()

# DESIGN.md's finding kind vocabulary: never renamed. (`a11y_violation` is in the vocabulary too;
# no check emits it yet, so it has no catalogue entry.)
DESIGN_KINDS = (
    "site_unreachable", "broken_link", "homepage_not_updated", "homepage_few_updates", "stale_column",
    "blank_column", "undated_items", "future_date", "wording_error", "typo", "banned_content",
    "privacy_leak", "dark_link", "cloaking", "tampering", "footer_item_missing", "footer_item_invalid",
    "meta_tag_missing", "meta_tag_invalid", "no_consult_channel", "message_unanswered",
    "message_late_reply", "message_fields_unpublished", "survey_inactive", "interview_inactive",
    "guide_incomplete", "guide_vague", "form_unavailable", "online_system_unreachable",
    "interpretation_unlinked", "tls_problem", "no_https", "no_ipv6", "mixed_content",
)
REGENERATE = "regenerate it: python -m govwatch.report.findings_doc docs/findings.md"


def registered_kinds() -> dict[str, tuple[str, ...]]:
    """Check name -> the kinds it declares (``@check(..., kinds=...)``)."""
    load_builtin_checks()
    return {name: registered.kinds for name, registered in REGISTRY.items()}


@pytest.fixture(scope="module")
def tables() -> list[RuleSet]:
    return shipped_tables()


@pytest.fixture(scope="module")
def expectations() -> list[dict[str, Any]]:
    return case_expectations()


@pytest.fixture(scope="module")
def gaps(tables: list[RuleSet], expectations: list[dict[str, Any]]) -> Gaps:
    return catalogue_gaps(catalogue(), registered_kinds(), tables, expectations,
                          FINDINGS_DOC.read_text(encoding="utf-8"))


# -- the shipped catalogue ---------------------------------------------------------------------


def test_every_kind_a_check_emits_is_in_the_catalogue(gaps: Gaps) -> None:
    assert gaps.not_in_catalogue == {}, (
        f"kinds without an entry in src/govwatch/data/finding_kinds.yaml (kind: checks): {gaps.not_in_catalogue}")


def test_every_catalogue_kind_is_emitted_by_a_check_or_filed_by_reviewers(gaps: Gaps) -> None:
    assert gaps.emitted_by_no_check == [], f"catalogue entries no registered check emits: {gaps.emitted_by_no_check}"


def test_every_kind_a_check_emits_has_a_case_file(gaps: Gaps) -> None:
    lacking = set(gaps.without_case_file)
    assert not lacking - KINDS_WITHOUT_CASE_FILE, (
        f"no case file under tests/checks/cases/ expects {sorted(lacking - KINDS_WITHOUT_CASE_FILE)}")
    assert not KINDS_WITHOUT_CASE_FILE - lacking, (
        f"these kinds have a case file now: remove them from KINDS_WITHOUT_CASE_FILE: "
        f"{sorted(KINDS_WITHOUT_CASE_FILE - lacking)}")


def test_every_rule_table_scores_each_kind_or_says_why_not(gaps: Gaps) -> None:
    assert gaps.unaccounted == {}, (
        "kinds neither scored by a rule or veto nor listed under `unscored` (with a reason), by table: "
        f"{gaps.unaccounted}")


def test_rule_tables_name_only_catalogue_kinds(gaps: Gaps) -> None:
    assert gaps.unknown_in_tables == {}, f"kinds the catalogue does not know, by table: {gaps.unknown_in_tables}"


def test_case_files_expect_only_catalogue_evidence_fields(gaps: Gaps) -> None:
    assert gaps.unknown_evidence == {}, (
        f"evidence fields case files expect that the catalogue does not list, by kind: {gaps.unknown_evidence}")


def test_every_kind_is_documented(gaps: Gaps) -> None:
    assert gaps.undocumented == [], f"docs/findings.md does not name {gaps.undocumented}: {REGENERATE}"


def test_the_findings_doc_is_written_from_the_catalogue(tables: list[RuleSet]) -> None:
    assert FINDINGS_DOC.read_text(encoding="utf-8") == findings_markdown(catalogue(), tables), (
        f"docs/findings.md is out of date: {REGENERATE}")


def test_design_vocabulary_is_kept() -> None:
    assert [k for k in DESIGN_KINDS if k not in catalogue()] == []


def test_bulletin_problem_classes_name_catalogue_kinds() -> None:
    assert {k for _label, kinds, _unit in PROBLEM_CLASSES for k in kinds} <= set(catalogue().kinds)


# -- the meta-check itself: each planted gap is reported, and only it ----------------------------


def _catalogue_without(kind: str, folder: Path) -> Catalogue:
    """The shipped catalogue file with one entry removed, written to ``folder`` and loaded from there."""
    source = Path(catalogue().source)
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    del data["kinds"][kind]
    path = folder / "finding_kinds.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_catalogue(path)


def _without_unscored(table: RuleSet, kind: str) -> RuleSet:
    data = {**table.data, "unscored": [e for e in table.data["unscored"] if e["kind"] != kind]}
    return dataclasses.replace(table, data=data)


def test_a_missing_catalogue_entry_is_reported(tmp_path: Path, gaps: Gaps, tables: list[RuleSet],
                                               expectations: list[dict[str, Any]]) -> None:
    broken = _catalogue_without("broken_link", tmp_path)
    found = catalogue_gaps(broken, registered_kinds(), tables, expectations, FINDINGS_DOC.read_text(encoding="utf-8"))
    assert found.not_in_catalogue == {"broken_link": ["links.broken"]}
    assert found.unknown_in_tables == {t.id: ["broken_link"] for t in tables}  # every table scores it
    unchanged = {"not_in_catalogue": {}, "unknown_in_tables": {}}
    assert dataclasses.replace(found, **unchanged) == dataclasses.replace(gaps, **unchanged)


def test_a_kind_without_case_file_is_reported(gaps: Gaps, tables: list[RuleSet],
                                              expectations: list[dict[str, Any]]) -> None:
    fewer = [e for e in expectations if e.get("kind") != "stale_column"]
    found = catalogue_gaps(catalogue(), registered_kinds(), tables, fewer, FINDINGS_DOC.read_text(encoding="utf-8"))
    assert set(found.without_case_file) - set(gaps.without_case_file) == {"stale_column"}


def test_a_kind_missing_from_a_rule_table_is_reported(tables: list[RuleSet], expectations: list[dict[str, Any]]) -> None:
    planted = [_without_unscored(t, "no_ipv6") if t.id == "suqian-2022" else t for t in tables]
    found = catalogue_gaps(catalogue(), registered_kinds(), planted, expectations,
                           FINDINGS_DOC.read_text(encoding="utf-8"))
    assert found.unaccounted == {"suqian-2022": ["no_ipv6"]}


def test_an_undocumented_kind_is_reported(tables: list[RuleSet], expectations: list[dict[str, Any]]) -> None:
    text = FINDINGS_DOC.read_text(encoding="utf-8").replace("`typo`", "typo")
    found = catalogue_gaps(catalogue(), registered_kinds(), tables, expectations, text)
    assert found.undocumented == ["typo"]


def test_a_new_check_kind_is_reported_everywhere(tables: list[RuleSet], expectations: list[dict[str, Any]]) -> None:
    """A check declaring a kind nobody added anywhere: every place it is missing says so."""
    checks = {**registered_kinds(), "new.check": ("a11y_violation",)}
    found = catalogue_gaps(catalogue(), checks, tables, expectations, FINDINGS_DOC.read_text(encoding="utf-8"))
    assert found.not_in_catalogue == {"a11y_violation": ["new.check"]}
    assert "a11y_violation" in found.without_case_file
    assert found.unaccounted == {t.id: ["a11y_violation"] for t in tables}
    assert found.undocumented == ["a11y_violation"]
