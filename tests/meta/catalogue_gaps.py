"""What the finding catalogue, the checks, the case files, the rule tables and the docs disagree on.

:func:`catalogue_gaps` takes every input as an argument, so a test can hand it a catalogue with an
entry removed (or a table without an ``unscored`` line) and see exactly that gap reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from govwatch.core.catalogue import Catalogue
from govwatch.rules import RuleSet

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "checks" / "cases"
FINDINGS_DOC = ROOT / "docs" / "findings.md"


@dataclass(slots=True)
class Gaps:
    """Every disagreement found; empty lists and mappings when there is none."""

    not_in_catalogue: dict[str, list[str]] = field(default_factory=dict)  # kind -> checks that emit it
    emitted_by_no_check: list[str] = field(default_factory=list)  # catalogue kinds (origin check) no check emits
    without_case_file: list[str] = field(default_factory=list)  # check kinds no case file expects
    unaccounted: dict[str, list[str]] = field(default_factory=dict)  # table -> kinds neither scored nor unscored
    unknown_in_tables: dict[str, list[str]] = field(default_factory=dict)  # table -> kinds the catalogue lacks
    unknown_evidence: dict[str, list[str]] = field(default_factory=dict)  # kind -> fields case files expect
    undocumented: list[str] = field(default_factory=list)  # kinds docs/findings.md does not name


def case_expectations(folder: Path = CASES) -> list[dict[str, Any]]:
    """Every ``expect`` entry of every case file (``<family>/*.yaml``: ``cases: [{expect: [{kind, ...}]}]``)."""
    out = []
    for path in sorted(folder.glob("*/*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for case in spec.get("cases") or []:
            out.extend(case.get("expect") or [])
    return out


def _table_kinds(table: RuleSet) -> set[str]:
    return set(table.scoring_places()) | set(table.unscored) | set(table.data["scoring"].get("no_double_counting", []))


def catalogue_gaps(catalogue: Catalogue, checks: Mapping[str, Iterable[str]], tables: Sequence[RuleSet],
                   expectations: Sequence[Mapping[str, Any]], doc_text: str) -> Gaps:
    """The gaps between the catalogue and ``checks`` (check name -> kinds it emits), the rule ``tables``,
    the case files' ``expectations`` and the text of docs/findings.md."""
    gaps = Gaps()
    emitted: dict[str, list[str]] = {}
    for name, kinds in checks.items():
        for kind in kinds:
            emitted.setdefault(kind, []).append(name)
    gaps.not_in_catalogue = {k: names for k, names in sorted(emitted.items()) if k not in catalogue}
    gaps.emitted_by_no_check = sorted(k for k, e in catalogue.kinds.items() if e.origin == "check" and k not in emitted)
    expected = {e.get("kind") for e in expectations}
    gaps.without_case_file = sorted(k for k in emitted if k not in expected)
    for table in tables:
        scored = set(table.scoring_places()) | set(table.unscored)
        missing = sorted(k for k in emitted if k not in scored)
        if missing:
            gaps.unaccounted[table.id] = missing
        unknown = sorted(k for k in _table_kinds(table) if k not in catalogue)
        if unknown:
            gaps.unknown_in_tables[table.id] = unknown
    unknown_evidence: dict[str, set[str]] = {}
    for exp in expectations:
        entry = catalogue.get(exp.get("kind", ""))
        extra = set(exp.get("evidence") or {}) - set(entry.evidence) if entry else set()
        if extra:
            unknown_evidence.setdefault(exp["kind"], set()).update(extra)
    gaps.unknown_evidence = {k: sorted(v) for k, v in sorted(unknown_evidence.items())}
    gaps.undocumented = sorted(k for k in {*catalogue.kinds, *emitted} if f"`{k}`" not in doc_text)
    return gaps
