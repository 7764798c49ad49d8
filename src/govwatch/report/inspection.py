"""The inspection document (JSON, ``schema_version`` 1) built from a checked run.

The document is the public contract of ``govwatch inspect --json``; its JSON
Schema is ``govwatch/schemas/inspection.schema.json``. Every renderer (HTML now,
Word/Excel/PDF later) reads this document, never the store directly.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from govwatch import __version__
from govwatch.analysis.columns import ColumnResult, columns_of, homepage_updates_of
from govwatch.checks import CheckRun
from govwatch.checks.coverage import FACT as COVERAGE_FACT
from govwatch.checks.link_availability import link_states, resource_of
from govwatch.core.catalogue import problem_id
from govwatch.core.model import Finding
from govwatch.core.spool import Lazy
from govwatch.core.windows import count_failures
from govwatch.rundata import RunData
from govwatch.scoring.runs import ScoredRun
from govwatch.store.db import Store

SCHEMA_VERSION = 1


def site_identity(data: RunData) -> tuple[str | None, str | None]:
    """The site's 网站名称 and 网站标识码 as documents show them: the registry's when the site is
    registered (the authority), else the site config's, else what the homepage itself shows
    (meta tags, title, footer). Each value falls back on its own: a registry row without a code
    takes the config's or the page's. A footer that disagrees is the identity check's finding."""
    registered = data.registered_site or {}
    config = data.site_config
    home = data.homepage() or {}
    meta = home.get("meta") or {}
    footer = home.get("footer") or {}
    name = registered.get("name") or config.name or meta.get("SiteName") or home.get("title") or None
    code = registered.get("site_code") or config.site_code or meta.get("SiteIDCode") or footer.get("site_code") or None
    return name, code


def column_json(col: ColumnResult, as_of: date) -> dict[str, Any]:
    """One entry of the document's ``columns``."""
    return {"name": col.name, "url": col.url, "type": col.type, "type_reason": col.type_reason,
            "discovered_by": col.discovered_by, "read_via": col.read_via, "parent": col.parent,
            "last_update": col.last_update.isoformat() if col.last_update else None,
            "items": col.items, "undated": col.undated, "stale": col.stale, "blank": col.blank,
            "window_days": col.window_days(as_of), "days_left": col.days_left, "key": col.key,
            "list_pages": len(col.list_pages), "future_items": len(col.future)}


def homepage_json(data: RunData) -> dict[str, Any]:
    """The document's ``homepage``: distinct dated items in the window, newest date, days left."""
    home = homepage_updates_of(data)
    return {"items_in_window": home.items_in_window, "window_days": home.window_days,
            "cutoff": home.cutoff.isoformat(), "newest": home.newest.isoformat() if home.newest else None,
            "dated_items": home.dated_items, "days_left": home.days_left, "basis": home.basis}


def availability_json(data: RunData) -> dict[str, Any]:
    """The document's ``availability``: homepage visits in the rule table's window, or not measured."""
    rules = data.rules.availability
    rows = [r for r in data.probes() if r.get("target_kind", "homepage") == "homepage"]
    counts = count_failures(rows)  # every visit by its own result
    return {"measured": bool(rows), "visits": counts.visits, "failed": counts.failed,
            "failure_ratio": round(counts.ratio, 6) if rows else None,
            "window_days": rules["window_days"], "threshold": rules["max_failure_ratio"]}


def _link_summary(data: RunData) -> dict[str, Any]:
    """The document's ``links`` as the run's rows tell them: how many link targets were checked and
    which could not be verified (the broken ones are findings: :func:`_broken_link`)."""
    states = link_states(data)
    return {"checked": states.checked, "unverifiable": states.unverifiable}


def _broken_link(f: Finding) -> dict[str, Any] | None:
    """The document's ``links.broken`` entry of a ``broken_link`` finding (None for other findings)."""
    if f.kind != "broken_link":
        return None
    return {
        "url": f.target, "source": f.url, "status": f.evidence.get("status"), "error": f.evidence.get("error"),
        "scope": f.evidence["scope"], "resource": resource_of(f.evidence["resource"]),
        "classification": f.evidence["classification"], "confirmed": f.evidence["confirmed"],
        "soft_404": f.evidence["soft_404"],
        "link_text": f.evidence.get("link_text", ""), "finding": problem_id(f),
    }


def finding_json(f: Finding, trace: dict[str, Any] | None = None) -> dict[str, Any]:
    """One entry of the document's ``findings``; with the score sheet's trace, how it scored."""
    out = {"id": problem_id(f), "kind": f.kind, "code": f.code, "indicator": f.indicator, "severity": f.severity,
           "url": f.url, "source": f.source, "target": f.target, "message": f.message,
           "evidence": f.evidence, "fingerprint": f.fingerprint}
    if trace is not None:
        out["scoring"] = trace
    return out


def verdict_json(sheet: dict[str, Any] | None) -> dict[str, Any]:
    """The document's verdict, score, vetoes and deductions from a score sheet (all empty without one)."""
    if sheet is None:
        return {"verdict": None, "score": None, "vetoes": [], "deductions": []}
    names = {i["id"]: i["name"] for i in sheet["indicators"]}
    return {
        "verdict": sheet["verdict"],
        "score": sheet["score"],
        "vetoes": [{"indicator": v["name"], "id": v["id"], "reason": v["reason"], "findings": v["findings"]}
                   for v in sheet["vetoes"] if v["triggered"]],
        "deductions": [{"indicator": names[i["id"]], "id": i["id"], "points": i["points"],
                        "findings": [x["id"] for x in i["findings"] if x["points"]]}
                       for i in sheet["indicators"] if i["kind"] == "deduction" and i["points"]],
    }


def run_sections(data: RunData) -> dict[str, Any]:
    """The parts of the inspection document read off the run's rows and analyses (site, coverage,
    columns, links, homepage, availability, pages), apart from its findings and score: an inspection
    makes them before it releases the rows (``StoreRunData.release_rows``), then scores and stores."""
    name, code = site_identity(data)
    crawled = failed = 0
    for _url, row in data.fetch_rows("page"):
        crawled += 1
        failed += bool(row.get("error") or (row.get("status") or 0) >= 400)
    return {
        "site": {"url": data.site_url, "name": name, "site_code": code},
        "as_of": data.as_of.isoformat(),
        "coverage": data.run_fact(COVERAGE_FACT),
        "ruleset": data.rules.id,
        "columns": [column_json(col, data.as_of) for col in columns_of(data)],
        "links": _link_summary(data),
        "homepage": homepage_json(data),
        "availability": availability_json(data),
        "pages": {"crawled": crawled, "failed": failed},
    }


def assemble_inspection(sections: dict[str, Any], findings: Collection[Finding], check_runs: Sequence[CheckRun],
                        *, run: dict[str, Any], sheet: dict[str, Any] | None = None) -> dict[str, Any]:
    """The inspection document of a checked (and, with ``sheet``, scored) run from its
    :func:`run_sections` and its findings.

    Its ``findings`` and ``links.broken`` are :class:`~govwatch.core.spool.Lazy` views of
    ``findings``: each entry is made as a reader (the JSON writer, a report) comes to it, so a
    large run's document never holds them all; ``list()`` of one gives the entries."""
    trace = sheet["findings"] if sheet else {}
    coverage = sections["coverage"]
    links = sections["links"]
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "govwatch", "version": __version__},
        "run": {"id": run["id"], "status": "completed", "started_at": run["started_at"]},
        "site": sections["site"],
        "as_of": sections["as_of"],
        # Whether the crawl read the site (null: not measured, a run stored before it was). An
        # incomplete run judges nothing its crawl did not read: see ``coverage`` and ``scoring``.
        "complete": coverage["complete"] if coverage else None,
        "incomplete_reasons": list(coverage["reasons"]) if coverage else [],
        "coverage": coverage,
        # Without a complete assessment verdict and score stay null (never full marks for what
        # was not assessed); ``scoring`` says what is missing and the best score possible.
        "ruleset": sections["ruleset"],
        **verdict_json(sheet),
        "scoring": sheet,
        "findings": Lazy(findings, lambda f: finding_json(f, trace.get(problem_id(f))), length=len(findings)),
        "columns": sections["columns"],
        "links": {"checked": links["checked"], "broken": Lazy(findings, _broken_link, keep_none=False),
                  "unverifiable": links["unverifiable"]},
        "homepage": sections["homepage"],
        "availability": sections["availability"],
        "pages": sections["pages"],
        "crawl": run.get("stats") or {},
        "checks": [{"name": c.name, "status": c.status, "findings": c.findings, "error": c.error}
                   for c in check_runs],
    }


def build_inspection(data: RunData, findings: Collection[Finding], check_runs: Sequence[CheckRun],
                     *, run: dict[str, Any], sheet: dict[str, Any] | None = None) -> dict[str, Any]:
    """The inspection document of a checked (and, with ``sheet``, scored) run."""
    return assemble_inspection(run_sections(data), findings, check_runs, run=run, sheet=sheet)


def scored_document(store: Store, scored: ScoredRun) -> dict[str, Any]:
    """The inspection document of a scored stored run."""
    return build_inspection(scored.data, scored.findings, scored.check_runs,
                            run=store.run(scored.data.run_id), sheet=scored.sheet)
