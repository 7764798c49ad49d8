"""Inspection documents of stored runs, for the site page and the report downloads, built from
what the run stored: its findings (checks' and reviewers'), check records and newest score sheet.
No check runs again and nothing is scored again (``govwatch score`` does that and stores a sheet;
reading a page must not write).

- :func:`sheet_document`: the parts :func:`govwatch.report.view.build_view` needs for the score
  sheet and the problems (site, verdict, score, scoring, findings): a few queries, for the page.
- :func:`report_document`: the whole document (columns, links, homepage, availability, pages,
  crawl, checks) as ``govwatch inspect --json`` writes it, for the report writers.

Callers check the scope first (``govwatch.web.scope``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govwatch import __version__
from govwatch.checks import REGISTRY, CheckRun, load_builtin_checks
from govwatch.core.catalogue import problem_id
from govwatch.core.model import Finding
from govwatch.report.inspection import SCHEMA_VERSION, build_inspection, finding_json, verdict_json
from govwatch.scoring.runs import stored_findings
from govwatch.store import web_rows
from govwatch.store.db import Store
from govwatch.store.run_results import check_records
from govwatch.store.stored_run import StoreRunData

__all__ = ["sheet_document", "report_document", "finding_of_row"]


def finding_of_row(row: Mapping[str, Any]) -> Finding:
    """A stored ``findings`` row (a dict of its columns) as a :class:`Finding`."""
    return Finding(kind=row["kind"], code=row["code"], indicator=row["indicator"], url=row["url"],
                   message=row["message"], evidence=row["evidence"], source=row["source"], target=row["target"],
                   severity=row["severity"])


def _findings(store: Store, run_id: int, sheet: dict[str, Any] | None) -> list[dict[str, Any]]:
    trace = (sheet or {}).get("findings") or {}
    return [finding_json(f, trace.get(problem_id(f))) for f in stored_findings(store, run_id)]


def sheet_document(store: Store, run_id: int, site: dict[str, Any]) -> dict[str, Any]:
    """The document's score-sheet part of the stored run ``run_id`` of ``site`` (a
    ``web_rows.site_summaries`` row): enough for ``build_view``'s cover, vetoes, indicators and
    problems; the crawl's counts (pages, links, columns) are left out."""
    run = store.run(run_id)
    sheet = web_rows.score_sheet_of(store, run_id)
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "govwatch", "version": __version__},
        "run": {"id": run_id, "status": run["status"], "started_at": run["started_at"]},
        "site": {"url": site["url"], "name": site.get("name"), "site_code": site.get("site_code")},
        "as_of": (run["as_of"] or "")[:10],
        "complete": run.get("complete"),
        "incomplete_reasons": list(run.get("incomplete_reasons") or []),
        "ruleset": ((sheet or {}).get("ruleset") or {}).get("id"),
        **_verdict(sheet),
        "scoring": sheet,
        "findings": _findings(store, run_id, sheet),
    }


def _verdict(sheet: dict[str, Any] | None) -> dict[str, Any]:
    """``verdict_json`` of the sheet; a sheet without its indicator and veto tables (stored by an
    older version, or by hand) keeps its verdict and score and lists no vetoes or deductions."""
    try:
        return verdict_json(sheet)
    except (KeyError, TypeError):
        sheet = sheet or {}
        return {"verdict": sheet.get("verdict"), "score": sheet.get("score"), "vetoes": [], "deductions": []}


def report_document(store: Store, run_id: int) -> dict[str, Any]:
    """The inspection document of the stored run ``run_id`` with its stored findings, check records
    and newest score sheet (none: unscored), as the report writers read it."""
    load_builtin_checks()
    records = check_records(store, run_id, REGISTRY)
    check_runs = [CheckRun(r["check_name"], r["status"], r["findings"], float(r.get("elapsed_ms") or 0.0),
                           r["error"]) for r in records]
    return build_inspection(StoreRunData(store, run_id), stored_findings(store, run_id), check_runs,
                            run=store.run(run_id), sheet=web_rows.score_sheet_of(store, run_id))
