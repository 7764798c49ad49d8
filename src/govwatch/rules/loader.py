"""Loading and validating rule tables (``rules/tables/*.yaml`` or a user's file).

A rule table holds every number an indicator is judged by: update windows per
column type, the homepage window and minimum, availability thresholds. Check
code asks the table; it never holds such numbers itself. Its ``unscored`` list
names the finding kinds it deliberately does not score, each with the reason.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from govwatch.rules.reads import RecordedSections

for _dumper in (yaml.SafeDumper, yaml.Dumper):  # a table's data dumps as the mapping it is
    yaml.add_representer(RecordedSections, yaml.representer.SafeRepresenter.represent_dict, Dumper=_dumper)

DEFAULT_RULESET = "national-2019"


class RulesError(ValueError):
    """A rule table that cannot be used (unknown name, unreadable, invalid): exit code 2."""


@dataclass(frozen=True, slots=True)
class Window:
    """A period before the inspection date: N days, calendar months or calendar years."""

    amount: int
    unit: str  # days | months | years

    def cutoff(self, as_of: date) -> date:
        """The oldest date still inside the window (an item dated on it is in time)."""
        if self.unit == "days":
            return as_of - timedelta(days=self.amount)
        return _shift_months(as_of, -self._months)

    def expires(self, last_update: date) -> date:
        """The last day on which an update made on ``last_update`` is still inside the window."""
        if self.unit == "days":
            return last_update + timedelta(days=self.amount)
        return _shift_months(last_update, self._months)

    @property
    def _months(self) -> int:
        return self.amount * (12 if self.unit == "years" else 1)

    def days(self, as_of: date) -> int:
        """The window's length in days, counted back from ``as_of``."""
        return (as_of - self.cutoff(as_of)).days

    def label(self) -> str:
        return {"days": f"{self.amount}天", "months": f"{self.amount}个月", "years": f"{self.amount}年"}[self.unit]


def _shift_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months; the day of month is clamped to the month's end."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _section(data: dict[str, Any], key: str) -> dict[str, Any]:
    """A top-level mapping of the table, {} when it has none (neither tested for emptiness here: that
    would count as reading it whole, rules/reads.py)."""
    section = data.get(key)
    return section if section is not None else {}


def _window(spec: dict[str, int]) -> Window:
    (unit, amount), = spec.items()
    return Window(int(amount), unit)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """One validated rule table."""

    id: str
    name: str
    source: str
    path: str
    data: dict[str, Any]  # kept as RecordedSections: reads are noted while a check runs (rules/reads.py)

    def __post_init__(self) -> None:
        if not isinstance(self.data, RecordedSections):
            object.__setattr__(self, "data", RecordedSections(self.data))

    def column_window(self, column_type: str) -> Window | None:
        """How long a column of this type may go without an update; None: not judged on updates."""
        spec = self.data["columns"]["windows"].get(column_type)
        return _window(spec) if spec else None

    @property
    def homepage_window(self) -> Window:
        return _window(self.data["homepage"]["window"])

    @property
    def homepage_min_items(self) -> int:
        return int(self.data["homepage"]["min_items"])

    @property
    def availability(self) -> dict[str, Any]:
        return dict(self.data["availability"])

    @property
    def interaction(self) -> dict[str, Any]:
        """互动交流 parameters (reply limits, windows, activity minimums); {} when the table has none."""
        return _section(self.data, "interaction")

    @property
    def services(self) -> dict[str, Any]:
        """办事服务 parameters (required guide element classes); {} when the table has none."""
        return _section(self.data, "services")

    @property
    def public_reports(self) -> dict[str, Any]:
        """找错/留言 ticket deadlines (``forward_within``, ``answer_within``); {} when the table has none."""
        return _section(self.data, "public_reports")

    @property
    def search_typo_tolerance(self) -> bool:
        """Whether the table asks that the site search find an article from a query with a typo
        (``search.typo_tolerance``; false when the table has no ``search`` section)."""
        return bool(_section(self.data, "search").get("typo_tolerance", False))

    def interaction_window(self, key: str) -> Window | None:
        """A window of the ``interaction`` section (``lookback``, ``results_within`` …), if set."""
        spec = self.interaction.get(key)
        return _window(spec) if spec else None

    def scoring_places(self) -> dict[str, list[tuple[str, str]]]:
        """Finding kind → the (id, name) of every veto and indicator whose conditions or rules name it,
        in table order."""
        places: dict[str, list[tuple[str, str]]] = {}
        for veto in self.data["vetoes"]:
            for kind in _kinds(m for c in veto["conditions"] for m in c["match"]):
                places.setdefault(kind, []).append((veto["id"], veto["name"]))
        for indicator in self.data["indicators"]:
            for kind in _kinds(indicator.get("rules") or []):
                places.setdefault(kind, []).append((indicator["id"], indicator["name"]))
        return places

    @property
    def unscored(self) -> dict[str, str]:
        """Finding kind → why this table deliberately does not score it (its ``unscored`` list)."""
        return {entry["kind"]: entry["reason"] for entry in self.data.get("unscored") or []}


def _kinds(selectors: Iterable[dict[str, Any]]) -> list[str]:
    """The kinds a list of selectors (rules or veto matches) names, each once, in order."""
    return list(dict.fromkeys(k for s in selectors for k in s["kinds"]))


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(resources.files("govwatch.rules").joinpath("ruleset.schema.json").read_text("utf-8"))
    return schema


def available_rulesets() -> list[str]:
    """Names of the rule tables shipped with govwatch."""
    folder = resources.files("govwatch.rules").joinpath("tables")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_ruleset(name_or_file: str | None = None) -> RuleSet:
    """A shipped table by name (e.g. ``census-2015``) or a YAML file by path; validated."""
    name_or_file = name_or_file or DEFAULT_RULESET
    if name_or_file in available_rulesets():
        path = str(resources.files("govwatch.rules").joinpath("tables", f"{name_or_file}.yaml"))
    elif name_or_file.endswith((".yaml", ".yml")) or "/" in name_or_file:
        path = name_or_file
    else:
        raise RulesError(f"unknown rule table {name_or_file!r} (shipped: {', '.join(available_rulesets())}; "
                         "or give a .yaml file)")
    return _load_file(path)


def _load_file(path: str) -> RuleSet:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"cannot read rule table {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise RulesError(f"rule table {path} is not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"rule table {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RulesError(f"rule table {path} must be a mapping")
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.absolute_path) or "(top level)"
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise RulesError(f"rule table {path}: {where}: {first.message}{more}")
    problem = _consistency_problem(data)
    if problem:
        raise RulesError(f"rule table {path}: {problem}")
    return RuleSet(id=data["id"], name=data["name"], source=data["source"], path=path, data=data)


def _consistency_problem(data: dict[str, Any]) -> str | None:
    """What the schema cannot say: ids are unique, named groups exist, bonus items have a bonus rule."""
    seen: set[str] = set()
    for key in ("vetoes", "indicators"):
        for n, entry in enumerate(data[key]):
            if entry["id"] in seen:
                return f"{key}.{n}.id: indicator id {entry['id']!r} appears twice"
            seen.add(entry["id"])
    groups = {i["group"] for i in data["indicators"]}
    scoring = data["scoring"]
    for group in (scoring.get("scaling") or {}).get("skip_groups", []):
        if group not in groups:
            return f"scoring.scaling.skip_groups: no indicator is in group {group!r}"
    if any(i.get("kind") == "bonus" for i in data["indicators"]) and "bonus" not in scoring:
        return "scoring.bonus: the table has bonus indicators but no bonus rule (max, gate)"
    return _unscored_problem(data)


def _unscored_problem(data: dict[str, Any]) -> str | None:
    """An ``unscored`` kind listed twice, or also scored by a rule or veto of the table."""
    scored = set(_kinds(m for v in data["vetoes"] for c in v["conditions"] for m in c["match"]))
    scored |= set(_kinds(r for i in data["indicators"] for r in i.get("rules") or []))
    listed: set[str] = set()
    for n, entry in enumerate(data.get("unscored") or []):
        kind = entry["kind"]
        if kind in listed:
            return f"unscored.{n}.kind: {kind!r} is listed twice"
        if kind in scored:
            return f"unscored.{n}.kind: {kind!r} is scored by a rule or veto of this table, so it is not unscored"
        listed.add(kind)
    return None
