"""Reading the finding catalogue (strictly), problem IDs and remediation from it, and rule tables'
``unscored`` lists as the loader checks them."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from govwatch.core.catalogue import CatalogueError, catalogue, load_catalogue, parse_catalogue, problem_id, remediation
from govwatch.core.model import Finding
from govwatch.rules import RulesError, load_ruleset


def _raw() -> dict[str, Any]:
    return yaml.safe_load(Path(catalogue().source).read_text(encoding="utf-8"))


def _finding(kind: str, code: str = "x.y", **evidence: Any) -> Finding:
    return Finding(kind=kind, code=code, indicator="指标", url="http://a.gov.cn/p.html", message="m",
                   evidence=evidence)


def test_the_shipped_file_reads_and_every_entry_is_complete() -> None:
    cat = catalogue()
    assert cat is catalogue()  # read once
    assert len(cat.kinds) > 40
    for entry in cat.kinds.values():
        assert entry.label and entry.remediation and entry.evidence and entry.id_prefix in cat.id_prefixes


def test_problem_ids_take_the_kind_prefix_and_the_fingerprint() -> None:
    stale = _finding("stale_column")
    assert problem_id(stale) == f"LM-{stale.fingerprint[:10].upper()}"
    assert problem_id(_finding("broken_link", resource="page")).startswith("LJ-")
    assert problem_id(_finding("broken_link", resource="attachment")).startswith("FJ-")
    assert problem_id(_finding("message_unanswered")).startswith("ZW-")
    assert problem_id(_finding("survey_inactive")).startswith("DC-")
    assert problem_id(_finding("site_unreachable")).startswith("KY-")
    assert problem_id(_finding("typo")).startswith("WT-")
    assert problem_id(_finding("a_kind_nobody_knows")).startswith("WT-")
    assert problem_id(_finding("broken_link", code="reviewer", resource="attachment")).startswith("RG-")


def test_remediation_of_known_and_unknown_kinds() -> None:
    assert remediation("broken_link") == "修复或删除失效链接"
    assert remediation("a_kind_nobody_knows") == catalogue().default_remediation == "核实情况并整改"


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        del node[last]
    return edit


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value
    return edit


@pytest.mark.parametrize(("edit", "message"), [
    (_drop("kinds.typo.remediation"), "kinds.typo: missing remediation"),
    (_set("kinds.typo.colour", "red"), "kinds.typo: unknown field(s) colour"),
    (_set("kinds.typo.severity", "fatal"), "kinds.typo.severity: 'fatal' is not one of error, warning, info"),
    (_set("kinds.typo.id_prefix", "XX"), "kinds.typo.id_prefix: prefix 'XX' is not declared in id_prefixes"),
    (_set("kinds.typo.id_prefix", "wt"), "kinds.typo.id_prefix: 'wt' is not a two-letter upper-case prefix"),
    (_set("kinds.typo.label", ""), "kinds.typo.label: must be a non-empty string"),
    (_set("kinds.typo.evidence", ["found", "found"]), "kinds.typo.evidence: field(s) listed twice: found"),
    (_set("kinds.typo.evidence", "found"), "kinds.typo.evidence: must be a list of field names"),
    (_set("kinds.typo.origin", "robot"), "kinds.typo.origin: 'robot' is not one of check, reviewer"),
    (_set("kinds.broken_link.id_prefix_rules", [{"where": {"colour": "red"}, "id_prefix": "FJ"}]),
     "kinds.broken_link.id_prefix_rules[0].where: colour not in the kind's evidence fields"),
    (_set("kinds.Bad-Kind", {}), "kinds.Bad-Kind: a kind is lower-case words joined by _"),
    (_set("version", 2), "(top level): unknown field(s) version"),
    (_drop("defaults.reviewer_id_prefix"), "defaults: missing reviewer_id_prefix"),
])
def test_a_bad_catalogue_is_refused_naming_the_entry_and_field(edit: Callable[[dict[str, Any]], None],
                                                               message: str) -> None:
    data = copy.deepcopy(_raw())
    edit(data)
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(data, "test.yaml")
    assert str(caught.value).startswith(f"finding catalogue test.yaml: {message}")


def test_an_unreadable_catalogue_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kinds.yaml"
    path.write_text("kinds: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogueError, match="is not valid YAML"):
        load_catalogue(path)
    with pytest.raises(CatalogueError, match="cannot read finding catalogue"):
        load_catalogue(tmp_path / "missing.yaml")


# -- rule tables' unscored lists --------------------------------------------------------------------


def _table_file(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> str:
    data = copy.deepcopy(load_ruleset("national-2019").data)
    edit(data)
    path = tmp_path / "table.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_a_table_names_its_unscored_kinds_with_reasons() -> None:
    table = load_ruleset("national-2019")
    assert "no_ipv6" in table.unscored and table.unscored["no_ipv6"]
    assert ("links", "链接可用性") in table.scoring_places()["broken_link"]
    assert "no_ipv6" not in table.scoring_places()


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["unscored"].append({"kind": "broken_link", "reason": "x"}),
     "'broken_link' is scored by a rule or veto of this table, so it is not unscored"),
    (lambda d: d["unscored"].append(dict(d["unscored"][0])), "is listed twice"),
    (lambda d: d["unscored"].append({"kind": "typo"}), "unscored."),
    (lambda d: d["unscored"].append({"kind": "typo", "reason": "x", "points": 1}), "unscored."),
])
def test_a_contradictory_unscored_list_is_refused(tmp_path: Path, edit: Callable[[dict[str, Any]], None],
                                                  message: str) -> None:
    with pytest.raises(RulesError, match="unscored") as caught:
        load_ruleset(_table_file(tmp_path, edit))
    assert message in str(caught.value)
