"""The catalogue of finding kinds: label, remediation, problem-ID prefix, severity, evidence fields.

The data is ``govwatch/data/finding_kinds.yaml``; this module reads it once, validates it strictly
(:class:`CatalogueError` names the entry and field at fault) and answers the questions the rest of
the code asks of a kind: its remediation text (the 整改清单), its problem ID (:func:`problem_id`),
its label. Reports, scoring and docs read the catalogue; nothing else holds a per-kind table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from govwatch.core.model import Finding

__all__ = ["Catalogue", "CatalogueError", "FindingKind", "REVIEWER_CODE", "catalogue", "load_catalogue",
           "parse_catalogue", "problem_id", "remediation"]

REVIEWER_CODE = "reviewer"  # the code of findings a reviewer entered (govwatch.scoring.review)
SEVERITIES = ("error", "warning", "info")
ORIGINS = ("check", "reviewer")

_KIND = re.compile(r"[a-z][a-z0-9_]*")
_FIELD = re.compile(r"[a-z][a-z0-9_]*")
_PREFIX = re.compile(r"[A-Z]{2}")
_TOP_KEYS = {"id_prefixes", "defaults", "kinds"}
_DEFAULT_KEYS = {"id_prefix", "remediation", "reviewer_id_prefix"}
_REQUIRED = {"label", "remediation", "id_prefix", "severity", "evidence"}
_OPTIONAL = {"id_prefix_rules", "origin"}


class CatalogueError(ValueError):
    """A catalogue file that cannot be used: the message names the entry and field at fault."""


@dataclass(frozen=True, slots=True)
class FindingKind:
    """One kind of finding as the catalogue describes it."""

    kind: str
    label: str
    remediation: str
    id_prefix: str
    severity: str
    evidence: tuple[str, ...]
    origin: str = "check"  # check | reviewer
    # (evidence values, prefix): the first rule whose values all equal the finding's evidence wins
    id_prefix_rules: tuple[tuple[tuple[tuple[str, Any], ...], str], ...] = ()

    def id_prefix_for(self, evidence: Mapping[str, Any]) -> str:
        """The problem-ID prefix of a finding of this kind with ``evidence``."""
        for where, prefix in self.id_prefix_rules:
            if all(evidence.get(name) == value for name, value in where):
                return prefix
        return self.id_prefix


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Every finding kind, in file order, with the texts used for kinds it does not know."""

    kinds: Mapping[str, FindingKind]
    id_prefixes: Mapping[str, str]  # prefix -> what it stands for
    default_id_prefix: str
    default_remediation: str
    reviewer_id_prefix: str
    source: str = ""

    def __contains__(self, kind: object) -> bool:
        return kind in self.kinds

    def get(self, kind: str) -> FindingKind | None:
        return self.kinds.get(kind)

    def remediation(self, kind: str) -> str:
        """整改建议 of ``kind`` (the default text for a kind the catalogue does not know)."""
        entry = self.kinds.get(kind)
        return entry.remediation if entry else self.default_remediation

    def label(self, kind: str) -> str:
        """The Chinese name of ``kind`` (the kind itself when unknown)."""
        entry = self.kinds.get(kind)
        return entry.label if entry else kind

    def problem_id(self, finding: Finding) -> str:
        """A stable, readable problem ID: the kind's prefix + the fingerprint's start (``LJ-1A2B3C4D5E``);
        every reviewer-entered finding is ``RG``."""
        if finding.code == REVIEWER_CODE:
            prefix = self.reviewer_id_prefix
        else:
            entry = self.kinds.get(finding.kind)
            prefix = entry.id_prefix_for(finding.evidence) if entry else self.default_id_prefix
        return f"{prefix}-{finding.fingerprint[:10].upper()}"

    def without(self, kind: str) -> Catalogue:
        """This catalogue less one entry (for tests of what checks the catalogue)."""
        return Catalogue({k: v for k, v in self.kinds.items() if k != kind}, self.id_prefixes,
                         self.default_id_prefix, self.default_remediation, self.reviewer_id_prefix, self.source)


# -- reading and validating -------------------------------------------------------------------


def _fail(source: str, where: str, problem: str) -> CatalogueError:
    return CatalogueError(f"finding catalogue {source}: {where}: {problem}")


def _text(value: Any, source: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(source, where, "must be a non-empty string")
    return value


def _prefix(value: Any, prefixes: Mapping[str, str], source: str, where: str) -> str:
    if not isinstance(value, str) or not _PREFIX.fullmatch(value):
        raise _fail(source, where, f"{value!r} is not a two-letter upper-case prefix")
    if value not in prefixes:
        raise _fail(source, where, f"prefix {value!r} is not declared in id_prefixes ({', '.join(prefixes)})")
    return value


def _keys(value: Any, required: set[str], optional: set[str], source: str, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(source, where, "must be a mapping")
    missing = sorted(required - set(value))
    if missing:
        raise _fail(source, where, f"missing {', '.join(missing)}")
    unknown = sorted(set(value) - required - optional)
    if unknown:
        raise _fail(source, where, f"unknown field(s) {', '.join(map(str, unknown))} "
                                   f"(allowed: {', '.join(sorted(required | optional))})")
    return value


def _evidence(value: Any, source: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and _FIELD.fullmatch(v) for v in value):
        raise _fail(source, where, "must be a list of field names (lower_case words)")
    repeated = sorted({v for v in value if value.count(v) > 1})
    if repeated:
        raise _fail(source, where, f"field(s) listed twice: {', '.join(repeated)}")
    return tuple(value)


def _prefix_rules(value: Any, prefixes: Mapping[str, str], evidence: tuple[str, ...], source: str,
                  where: str) -> tuple[tuple[tuple[tuple[str, Any], ...], str], ...]:
    if not isinstance(value, list):
        raise _fail(source, where, "must be a list of {where, id_prefix}")
    rules = []
    for n, rule in enumerate(value):
        at = f"{where}[{n}]"
        rule = _keys(rule, {"where", "id_prefix"}, set(), source, at)
        condition = rule["where"]
        if not isinstance(condition, Mapping) or not condition:
            raise _fail(source, f"{at}.where", "must be a non-empty mapping of evidence field to value")
        unknown = sorted(set(condition) - set(evidence))
        if unknown:
            raise _fail(source, f"{at}.where", f"{', '.join(unknown)} not in the kind's evidence fields")
        rules.append((tuple(condition.items()), _prefix(rule["id_prefix"], prefixes, source, f"{at}.id_prefix")))
    return tuple(rules)


def _entry(kind: Any, value: Any, prefixes: Mapping[str, str], source: str) -> FindingKind:
    where = f"kinds.{kind}"
    if not isinstance(kind, str) or not _KIND.fullmatch(kind):
        raise _fail(source, where, "a kind is lower-case words joined by _ (e.g. broken_link)")
    value = _keys(value, _REQUIRED, _OPTIONAL, source, where)
    severity = value["severity"]
    if severity not in SEVERITIES:
        raise _fail(source, f"{where}.severity", f"{severity!r} is not one of {', '.join(SEVERITIES)}")
    origin = value.get("origin", "check")
    if origin not in ORIGINS:
        raise _fail(source, f"{where}.origin", f"{origin!r} is not one of {', '.join(ORIGINS)}")
    evidence = _evidence(value["evidence"], source, f"{where}.evidence")
    return FindingKind(
        kind=kind, label=_text(value["label"], source, f"{where}.label"),
        remediation=_text(value["remediation"], source, f"{where}.remediation"),
        id_prefix=_prefix(value["id_prefix"], prefixes, source, f"{where}.id_prefix"), severity=severity,
        evidence=evidence, origin=origin,
        id_prefix_rules=_prefix_rules(value.get("id_prefix_rules", []), prefixes, evidence, source,
                                      f"{where}.id_prefix_rules"))


def parse_catalogue(data: Any, source: str = "(data)") -> Catalogue:
    """A :class:`Catalogue` from the file's parsed YAML; :class:`CatalogueError` when anything is off."""
    top = _keys(data, _TOP_KEYS, set(), source, "(top level)")
    prefixes = top["id_prefixes"]
    if not isinstance(prefixes, Mapping) or not prefixes:
        raise _fail(source, "id_prefixes", "must be a non-empty mapping of prefix to meaning")
    for key, meaning in prefixes.items():
        if not isinstance(key, str) or not _PREFIX.fullmatch(key):
            raise _fail(source, f"id_prefixes.{key}", "not a two-letter upper-case prefix")
        _text(meaning, source, f"id_prefixes.{key}")
    defaults = _keys(top["defaults"], _DEFAULT_KEYS, set(), source, "defaults")
    kinds = top["kinds"]
    if not isinstance(kinds, Mapping) or not kinds:
        raise _fail(source, "kinds", "must be a non-empty mapping of kind to entry")
    return Catalogue(
        kinds={k: _entry(k, v, prefixes, source) for k, v in kinds.items()}, id_prefixes=dict(prefixes),
        default_id_prefix=_prefix(defaults["id_prefix"], prefixes, source, "defaults.id_prefix"),
        default_remediation=_text(defaults["remediation"], source, "defaults.remediation"),
        reviewer_id_prefix=_prefix(defaults["reviewer_id_prefix"], prefixes, source, "defaults.reviewer_id_prefix"),
        source=source)


def load_catalogue(path: str | Path) -> Catalogue:
    """A catalogue file (YAML), validated."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"cannot read finding catalogue {path}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"finding catalogue {path} is not valid YAML: {exc}") from None
    return parse_catalogue(data, str(path))


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue (``govwatch/data/finding_kinds.yaml``), read once."""
    with resources.as_file(resources.files("govwatch.data").joinpath("finding_kinds.yaml")) as path:
        return load_catalogue(path)


def problem_id(finding: Finding) -> str:
    """The problem ID of ``finding`` by the shipped catalogue (see :meth:`Catalogue.problem_id`)."""
    return catalogue().problem_id(finding)


def remediation(kind: str) -> str:
    """整改建议 of ``kind`` by the shipped catalogue."""
    return catalogue().remediation(kind)
