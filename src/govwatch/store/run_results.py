"""What checking and scoring a run leave in the store: ``findings``, ``check_runs``, ``columns``
and ``scores``; and the reads of them (a run's stored findings, the newest completed runs,
the column deadlines of those runs).

Reads and writes only: the checks, the column analysis and the scorer make the values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import JSON, LargeBinary, Text, bindparam, cast, delete, func, insert, select

from govwatch.core.jsonfile import compact_json_bytes
from govwatch.core.model import Finding
from govwatch.core.spool import batches
from govwatch.store import tables as t
from govwatch.store.db import Store, now_iso

__all__ = ["CheckRecord", "replace_check_results", "check_findings", "check_records", "save_score_sheet",
           "check_findings_of", "check_records_of", "save_score_sheets", "newest_completed_runs", "deadline_rows",
           "NAME_SEPARATOR", "Analyses", "run_analyses", "save_run_analyses", "sheet_from_store"]

NAME_SEPARATOR = "\x1f"  # joins the names of a sheet's triggered vetoes (scores.triggered_vetoes)
Analyses = Mapping[str, tuple[Iterable[str], Any]]  # name -> (rule-table sections read, JSON payload)


class CheckRecord(Protocol):
    """How one check went (``govwatch.checks.CheckRun`` is one): a ``check_runs`` row."""

    name: str
    status: str
    findings: int
    elapsed_ms: float
    error: str | None
    rule_reads: frozenset[str] | None


_FINDINGS_BATCH = 1000  # findings inserted per statement (7,375 at once: +12 MB of rows and evidence JSON)


def replace_check_results(store: Store, run_id: int, findings: Iterable[Finding], check_runs: Iterable[CheckRecord],
                          column_rows: Sequence[dict[str, Any]], analyses: Analyses | None = None) -> None:
    """Replace the run's stored findings, ``columns`` rows and check records with these, and store
    ``analyses`` (:func:`save_run_analyses`), in one transaction. ``findings`` are read once, in
    order, :data:`_FINDINGS_BATCH` at a time (a spool of them is never held whole)."""
    with store.engine.begin() as conn:
        conn.execute(t.findings.delete().where(t.findings.c.run_id == run_id))
        conn.execute(t.check_runs.delete().where(t.check_runs.c.run_id == run_id))
        for batch in batches(findings, _FINDINGS_BATCH):  # a batch's rows and JSON at a time
            conn.execute(insert(t.findings), [{
                "run_id": run_id, "kind": f.kind, "code": f.code, "indicator": f.indicator,
                "severity": f.severity, "url": f.url, "source": f.source, "target": f.target,
                "message": f.message, "evidence": f.evidence, "fingerprint": f.fingerprint,
            } for f in batch])
        conn.execute(t.columns.delete().where(t.columns.c.run_id == run_id))
        if column_rows:  # an empty executemany would insert one row of defaults
            conn.execute(insert(t.columns), list(column_rows))
        records = [{"run_id": run_id, "check_name": c.name, "status": c.status, "findings": c.findings,
                    "elapsed_ms": round(c.elapsed_ms, 2), "error": c.error,
                    "rule_reads": None if c.rule_reads is None else json.dumps(sorted(c.rule_reads))}
                   for c in check_runs]
        if records:
            conn.execute(insert(t.check_runs), records)
        _put_analyses(conn, run_id, analyses or {})


def _json_from_utf8(conn: Any, param: str) -> Any:
    """A JSON column's value given as the parameter ``param``: its compact JSON as UTF-8 bytes
    (:func:`~govwatch.core.jsonfile.compact_json_bytes`), stored as the same text the column's
    own type stores. Large values (a 100,000-page run's score sheet, 1.4 MB; its guide pages, 2.1 MB)
    are bound without their Python text, two bytes a Chinese character, and the UTF-8 copy the
    driver makes of it, whose encoder first reserves three bytes a character: +8 MB each, before."""
    utf8 = bindparam(param, type_=LargeBinary)
    if conn.dialect.name == "postgresql":
        return cast(func.convert_from(utf8, "UTF8"), JSON)
    return cast(utf8, Text)  # SQLite: the bytes as TEXT, as the JSON type stores it


def _put_analyses(conn: Any, run_id: int, analyses: Analyses) -> None:
    if not analyses:
        return
    c = t.run_analyses.c
    conn.execute(t.run_analyses.delete().where(c.run_id == run_id, c.name.in_(list(analyses))))
    at = now_iso()
    statement = insert(t.run_analyses).values(payload=_json_from_utf8(conn, "payload_utf8"))
    for name in analyses:  # one at a time: a payload may be made as it is read (analysis.stored.ToStore)
        reads, payload = analyses[name]
        conn.execute(statement, {"run_id": run_id, "name": name, "rule_reads": json.dumps(sorted(reads)),
                                 "payload_utf8": compact_json_bytes(payload), "created": at})


def save_run_analyses(store: Store, run_id: int, analyses: Analyses) -> None:
    """Store a run's whole-run analyses (name -> the rule-table sections the analysis read, its
    JSON payload), replacing those of the same names."""
    with store.engine.begin() as conn:
        _put_analyses(conn, run_id, analyses)


def run_analyses(store: Store, run_ids: Sequence[int]) -> dict[int, dict[str, tuple[list[str], Any]]]:
    """Each run's stored analyses: run id -> name -> (the rule-table sections it read, its JSON
    payload); a run with none maps to {}. One query."""
    c = t.run_analyses.c
    out: dict[int, dict[str, tuple[list[str], Any]]] = {run_id: {} for run_id in run_ids}
    with store.engine.connect() as conn:
        for run_id, name, reads, payload in conn.execute(
                select(c.run_id, c.name, c.rule_reads, c.payload).where(c.run_id.in_(list(out)))):
            out[run_id][name] = (json.loads(reads), payload)
    return out


def _finding(r: Any) -> Finding:
    return Finding(kind=r["kind"], code=r["code"], indicator=r["indicator"], url=r["url"], message=r["message"],
                   evidence=r["evidence"], source=r["source"], target=r["target"], severity=r["severity"])


def check_findings(store: Store, run_id: int) -> list[Finding]:
    """The findings stored with a run by its checks, in the order they were stored."""
    return check_findings_of(store, [run_id])[run_id]


def check_findings_of(store: Store, run_ids: Sequence[int], kinds: Iterable[str] | None = None) -> dict[int, list[Finding]]:
    """Run id -> the findings stored with it by its checks (of ``kinds`` only, when given), in the
    order they were stored: one query for all the runs."""
    out: dict[int, list[Finding]] = {run_id: [] for run_id in run_ids}
    q = select(t.findings).where(t.findings.c.run_id.in_(list(out))).order_by(t.findings.c.id)
    if kinds is not None:
        q = q.where(t.findings.c.kind.in_(list(kinds)))
    with store.engine.connect() as conn:
        for r in conn.execute(q).mappings():
            out[r["run_id"]].append(_finding(r))
    return out


def check_records(store: Store, run_id: int, names: Iterable[str]) -> list[dict[str, Any]]:
    """The run's stored ``check_runs`` rows of the checks ``names``."""
    return check_records_of(store, [run_id], names)[run_id]


def check_records_of(store: Store, run_ids: Sequence[int], names: Iterable[str]) -> dict[int, list[dict[str, Any]]]:
    """Run id -> its stored ``check_runs`` rows of the checks ``names`` (in stored order): one query."""
    out: dict[int, list[dict[str, Any]]] = {run_id: [] for run_id in run_ids}
    with store.engine.connect() as conn:
        for r in conn.execute(select(t.check_runs).where(
                t.check_runs.c.run_id.in_(list(out)), t.check_runs.c.check_name.in_(list(names)))
                .order_by(t.check_runs.c.id)).mappings():
            out[r["run_id"]].append(dict(r))
    return out


def save_score_sheet(store: Store, run_id: int, sheet: dict[str, Any]) -> None:
    """Store (replace) the run's score sheet for the sheet's rule table."""
    save_score_sheets(store, [(run_id, sheet)])


def save_score_sheets(store: Store, sheets: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Store (replace) each (run id, score sheet) for the sheet's rule table, in one transaction."""
    if not sheets:
        return
    at = now_iso()
    by_table: dict[str, list[int]] = {}
    for run_id, sheet in sheets:
        by_table.setdefault(sheet["ruleset"]["id"], []).append(run_id)
    with store.engine.begin() as conn:
        for ruleset, run_ids in by_table.items():
            conn.execute(delete(t.scores).where(t.scores.c.run_id.in_(run_ids), t.scores.c.ruleset == ruleset))
        statement = insert(t.scores).values(sheet=_json_from_utf8(conn, "sheet_utf8"))
        conn.execute(statement, [{"run_id": run_id, "ruleset": sheet["ruleset"]["id"], "computed_at": at,
                                  "verdict": sheet["verdict"], "score": sheet["score"],
                                  "sheet_utf8": compact_json_bytes(_sheet_to_store(sheet)),
                                  "triggered_vetoes": NAME_SEPARATOR.join(
                                      v["name"] for v in sheet.get("vetoes") or [] if v.get("triggered"))}
                                 for run_id, sheet in sheets])


TRACES = "finding_traces"  # the stored form of a sheet's per-finding trace (_sheet_to_store)


def _sheet_to_store(sheet: dict[str, Any]) -> dict[str, Any]:
    """``sheet`` as stored: its per-finding trace (``findings``: problem id -> entry) as each distinct
    entry once, the ids in order, and each id's entry by its place. Most findings of a large run are
    scored alike (37,051 findings of a 100,000-page run, a handful of entries): whole, its JSON was
    6 MB, and storing it held that text three times over (+18 MB); so stored, 1.5 MB.
    :func:`sheet_from_store` gives the sheet back as it was made."""
    trace = sheet.get("findings")
    if not isinstance(trace, dict) or not trace:
        return sheet
    entries: list[dict[str, Any]] = []
    place: dict[int, int] = {}  # id() of an entry -> its place in entries (the sheet holds them all meanwhile)
    for entry in trace.values():
        if id(entry) not in place:
            place[id(entry)] = len(entries)
            entries.append(entry)
    stored = {"entries": entries, "ids": list(trace), "entry": [place[id(entry)] for entry in trace.values()]}
    return {TRACES if key == "findings" else key: stored if key == "findings" else value
            for key, value in sheet.items()}


def sheet_from_store(stored: Any) -> dict[str, Any] | None:
    """A score sheet as read from ``scores.sheet`` (None: not a sheet), its per-finding trace
    (``findings``) made again from the stored form; a sheet stored whole is returned as it is."""
    if not isinstance(stored, dict):
        return None
    traces = stored.get(TRACES)
    if not isinstance(traces, dict):
        return stored
    entries = traces["entries"]
    trace = {fid: entries[at] for fid, at in zip(traces["ids"], traces["entry"], strict=True)}
    return {"findings" if key == TRACES else key: trace if key == TRACES else value for key, value in stored.items()}


def _newest_completed() -> Any:
    """site_id, run_id of each site's newest completed run (a query to join or run); the service's
    daily patrols (kind ``patrol``, a light pass) are not runs of the whole site and never count."""
    return (select(t.runs.c.site_id, func.max(t.runs.c.id).label("run_id"))
            .where(t.runs.c.status == "completed", t.runs.c.kind.notin_(("patrol", "recheck"))).group_by(t.runs.c.site_id))


def newest_completed_runs(store: Store) -> dict[int, int]:
    """site id -> the id of its newest completed run (sites with one)."""
    with store.engine.connect() as conn:
        return {int(site): int(run) for site, run in conn.execute(_newest_completed())}


def deadline_rows(store: Store, site_url: str | None = None) -> list[tuple[Any, ...]]:
    """The dated ``columns`` rows (not blank, with a last update) of each site's newest completed
    run (of the site with homepage ``site_url`` when given): (site url, site name, run id, run
    as_of, column name, column url, type, last_update, details)."""
    newest = _newest_completed().subquery()
    q = (select(t.sites.c.url, t.sites.c.name, t.runs.c.id, t.runs.c.as_of, t.columns.c.name, t.columns.c.url,
                t.columns.c.type, t.columns.c.last_update, t.columns.c.details)
         .join(newest, newest.c.site_id == t.sites.c.id)
         .join(t.runs, t.runs.c.id == newest.c.run_id)
         .join(t.columns, t.columns.c.run_id == t.runs.c.id)
         .where(t.columns.c.blank.is_(False), t.columns.c.last_update.is_not(None)))
    if site_url:
        q = q.where(t.sites.c.url == site_url)
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(q)]
