"""Scoring a stored run: its findings, reviewers' input and the registry, through the rules engine.

``score_stored_run`` re-checks a stored run with any rule table (checks are pure
functions of the stored facts, so no page is fetched again), applies reviewer
findings, exemptions and temporary filings, scores it and stores the sheet.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from govwatch.checks import REGISTRY, CheckRun, load_builtin_checks, looked_for, run_checks
from govwatch.checks.coverage import READS_NO_CRAWL, unread_reasons
from govwatch.core.catalogue import problem_id
from govwatch.core.model import Finding
from govwatch.core.spool import Spool
from govwatch.rules import RuleSet
from govwatch.rules.engine import EngineFinding, ScoreInput, SiteProfile, evidence_fields, score
from govwatch.rules.reads import same_sections
from govwatch.scoring.review import Review, load_review
from govwatch.store.db import Store
from govwatch.store.reviewer_rows import ReviewerInput, reviewer_input_of
from govwatch.store.run_results import (
    check_findings,
    check_findings_of,
    check_records_of,
    newest_completed_runs,
    save_score_sheets,
)
from govwatch.store.stored_run import RunHead, StoreRunData, run_heads


@dataclass(slots=True)
class ScoredRun:
    """A run's findings (checks' and reviewers'), how its checks went, and its score sheet."""

    data: StoreRunData
    findings: Spool[Finding]  # the checks' findings, then the reviewers'
    check_runs: list[CheckRun]
    reviewer_findings: list[EngineFinding]  # the reviewers' findings as the engine scored them
    sheet: dict[str, Any]


def site_profile(site: Mapping[str, Any]) -> SiteProfile:
    """The engine's view of a ``sites`` row: the registry's role, level and 办事服务 flag (an
    unregistered site has the table's defaults; no role counts as a portal)."""
    return SiteProfile(role=site["role"] or "portal", level=site["level"], has_services=bool(site["has_services"]))


def stored_findings(store: Store, run_id: int) -> list[Finding]:
    """The findings stored with a run by its checks, then those reviewers added."""
    run = store.run(run_id)
    return check_findings(store, run_id) + [f for f, _, _ in load_review(store, run_id, run["site_id"]).findings]


def latest_runs(store: Store, org_code: str | None = None) -> list[int]:
    """The newest completed run of each registered site (of ``org_code`` and below); with no
    registry at all, of every site in the store. Raises ValueError for an unknown org."""
    from govwatch.registry import RegistryError, registered_sites, select_sites
    try:
        sites = [s.id for s in select_sites(store, org_code)]
    except RegistryError as exc:
        raise ValueError(str(exc)) from None
    if org_code is None and not registered_sites(store):
        sites = store.site_ids()
    by_site = newest_completed_runs(store)
    return [by_site[s] for s in sites if s in by_site]


def _filing_reason(filings: Sequence[dict[str, Any]], kind: str) -> str | None:
    for filing in filings:
        if not filing.get("kinds") or kind in filing["kinds"]:
            return f"{filing['starts']}至{filing['ends']} {filing['reason']}"
    return None


def _withheld_kinds(check_runs: Sequence[CheckRun]) -> dict[str, str]:
    """Finding kind -> why: the kinds only checks :func:`withhold_unread` set aside produce."""
    load_builtin_checks()
    judged = {kind for c in check_runs if c.status == "ok" and c.name in REGISTRY for kind in REGISTRY[c.name].kinds}
    return {kind: c.error for c in check_runs if c.status == "not_assessed" and c.error
            and c.error.startswith(WITHHELD) and c.name in REGISTRY for kind in REGISTRY[c.name].kinds
            if kind not in judged}


def engine_inputs(store: Store, data: StoreRunData, findings: Iterable[Finding], check_runs: Sequence[CheckRun],
                  reviewer_input: ReviewerInput | None = None) -> tuple[ScoreInput, list[Finding]]:
    """The engine's input for a run, and its reviewer findings as :class:`Finding` objects.
    ``reviewer_input``: which runs of a batch may have reviewer input or filings (the others' are
    not read); None: read them. The checks' findings are given to the engine as it reads them
    (:func:`scoring_view`), not whole: a large run's findings are read one at a time."""
    from govwatch.registry import active_filings

    site_id = data.site_id
    if reviewer_input is None or reviewer_input.may_apply(data.run_id, site_id):
        review, filings = load_review(store, data.run_id, site_id), active_filings(store, site_id, data.as_of)
    else:
        review, filings = Review(findings=[], exemptions={}, assessed={}), []
    withheld = _withheld_kinds(check_runs)
    fields = evidence_fields(data.rules)
    subjects = frozenset(data.rules.data["scoring"].get("no_double_counting") or ())
    items: list[EngineFinding] = []
    views: dict[tuple[Any, ...], Finding] = {}
    for f in findings:
        items.append(EngineFinding(id=problem_id(f), finding=_shared_view(scoring_view(f, fields, subjects), views),
                                   exempt=review.exemptions.get(f.fingerprint),
                                   suppressed=_filing_reason(filings, f.kind),
                                   withheld=WITHHELD_NOTE if f.kind in withheld else None))
    reviewer: list[Finding] = []
    for f, indicator, points in review.findings:
        reviewer.append(f)
        items.append(EngineFinding(id=problem_id(f), finding=f, origin="reviewer", indicator=indicator, points=points,
                                   exempt=review.exemptions.get(f.fingerprint)))
    given = ScoreInput(findings=items, looked_for=looked_for(check_runs), site=site_profile(data.site_row),
                       reviewed=review.assessed)
    return given, reviewer


def scoring_view(f: Finding, fields: frozenset[str], subject_kinds: frozenset[str]) -> Finding:
    """What the engine reads of a check's finding: kind, code, severity, the evidence ``fields``
    the rule table matches or counts on, and the URL of a kind the table scores once per subject
    (``no_double_counting``). A run's findings are held this small while they are scored, not with
    their messages and whole evidence; their repeated words are interned (100,000 pages: 37,051
    findings of a few dozen kinds and codes)."""
    evidence = {k: f.evidence[k] for k in fields if k in f.evidence}
    return Finding(kind=sys.intern(f.kind), code=sys.intern(f.code), indicator=sys.intern(f.indicator),
                   url=f.url if f.kind in subject_kinds else "", message="", evidence=evidence or _NO_EVIDENCE,
                   severity=sys.intern(f.severity))


def _shared_view(view: Finding, pool: dict[tuple[Any, ...], Finding]) -> Finding:
    """``view``, or the equal scoring view already in ``pool``: most findings of a large run look
    alike to the engine (26,561 of the 37,051 of a 100,000-page run are one view), which only reads
    them. Values are compared with their types (``True`` is not ``1`` to the engine's matching); a
    view whose evidence holds a list or a dict is not shared."""
    key = (view.kind, view.code, view.indicator, view.url, view.severity,
           *((name, type(value), value) for name, value in view.evidence.items()))
    try:
        return pool.setdefault(key, view)
    except TypeError:  # an unhashable evidence value
        return view


_NO_EVIDENCE: dict[str, Any] = {}  # the evidence of every scoring view without the fields (the engine only reads it)


WITHHELD = "网站未能完整读取，依赖抓取内容的检查不予评估："
WITHHELD_NOTE = "网站未能完整读取，未发现不等于不存在，该检查的结果只列出，不扣分、不触发否决"


def withhold_unread(data: StoreRunData, check_runs: list[CheckRun]) -> list[CheckRun]:
    """The check records as scored: on a run whose crawl could not read the site (the run fact
    ``crawl``), every check that reads the crawl counts as not assessed — what it saw is too little
    to clear anything, so the indicators it feeds get no full marks. Its findings stay listed but are
    withheld from scoring (:func:`engine_inputs`): on pages that never opened, "not found" (no
    办事服务, no 咨询 channel, no footer item) is no evidence. Only the checks that do not read the
    crawl (availability probes, HTTPS/TLS/IPv6) can still decide 不合格."""
    reasons = unread_reasons(data)
    if not reasons:
        return check_runs
    why = WITHHELD + "；".join(reasons)
    return [CheckRun(c.name, "not_assessed", c.findings, c.elapsed_ms, why, c.rule_reads)
            if c.status == "ok" and c.name not in READS_NO_CRAWL else c for c in check_runs]


def _scored(store: Store, data: StoreRunData, findings: Spool[Finding], check_runs: list[CheckRun],
            reviewer_input: ReviewerInput | None = None) -> ScoredRun:
    """Score a checked run (its score sheet is not stored here)."""
    check_runs = withhold_unread(data, check_runs)
    given, reviewer = engine_inputs(store, data, findings, check_runs, reviewer_input)
    sheet = score(data.rules, given)
    sheet["run_id"] = data.run_id
    sheet["as_of"] = data.as_of.isoformat()
    reviewers = findings.sibling()
    reviewers.extend(reviewer)
    return ScoredRun(data=data, findings=Spool.joined([findings, reviewers]), check_runs=check_runs,
                     reviewer_findings=[f for f in given.findings if f.origin == "reviewer"], sheet=sheet)


def score_checked(store: Store, data: StoreRunData, findings: Spool[Finding], check_runs: list[CheckRun]) -> ScoredRun:
    """Score a run whose checks have just run (their records as :func:`withhold_unread` leaves
    them); stores the sheet."""
    scored = _scored(store, data, findings, check_runs)
    save_score_sheets(store, [(data.run_id, scored.sheet)])
    return scored


def score_stored_run(store: Store, run_id: int, rules: RuleSet | None = None) -> ScoredRun:
    """Re-check a stored run (with ``rules``, or the table it was inspected with) and score it.

    A check is not run again when its stored result cannot change: it ran without error, and the
    rule-table sections it read then (recorded with it, rules/reads.py) are the same in ``rules``;
    its stored record and findings are reused."""
    heads = run_heads(store, [run_id], checked=True)
    reused_findings, reused_runs = _reusable_results(store, heads, rules)[run_id]
    scored = _rechecked(store, run_id, rules, reused_findings, reused_runs, heads[run_id])
    save_score_sheets(store, [(run_id, scored.sheet)])
    return scored


RESCORE_CHUNK = 100  # runs whose stored results are read, and sheets stored, together


def score_stored_runs(store: Store, run_ids: Sequence[int], rules: RuleSet | None = None) -> list[dict[str, Any]]:
    """:func:`score_stored_run` for many runs (a province re-scored with another table): the same
    score sheets, returned in ``run_ids`` order. Per :data:`RESCORE_CHUNK` runs, the stored
    findings, check records, run and site rows (with the stored tables), run facts, stored analyses
    and which runs have reviewer input are read in one query each and the sheets stored in one
    transaction; only the sheets are kept (a run's checked data is dropped once it is scored)."""
    sheets: list[dict[str, Any]] = []
    for start in range(0, len(run_ids), RESCORE_CHUNK):
        chunk = list(run_ids[start:start + RESCORE_CHUNK])
        heads = run_heads(store, chunk, checked=True)
        reusable = _reusable_results(store, heads, rules)
        reviewer_input = reviewer_input_of(store, [(r, heads[r].run["site_id"]) for r in chunk])
        done = [(run_id, _rechecked(store, run_id, rules, *reusable[run_id], heads[run_id], reviewer_input).sheet)
                for run_id in chunk]
        save_score_sheets(store, done)
        sheets.extend(sheet for _, sheet in done)
    return sheets


def _rechecked(store: Store, run_id: int, rules: RuleSet | None, reused_findings: list[Finding],
               reused_runs: list[CheckRun], head: RunHead, reviewer_input: ReviewerInput | None = None) -> ScoredRun:
    """The run checked again with ``rules`` (but for the reused results) and scored, not stored."""
    data = StoreRunData(store, run_id, rules=rules, head=head)
    reused = {c.name: c for c in reused_runs}
    placed: set[str] = set()  # kinds whose reused findings are placed (two checks may share one)
    findings: Spool[Finding] = Spool()
    check_runs: list[CheckRun] = []
    for name, registered in REGISTRY.items():  # in check order, as an inspection lists them
        if name in reused:
            check_runs.append(reused[name])
            kinds = set(registered.kinds) - placed
            findings.extend(f for f in reused_findings if f.kind in kinds)  # in stored order
            placed |= kinds
        else:
            found, ran = run_checks(data, [name])
            findings.extend(found)
            check_runs.extend(ran)
    return _scored(store, data, findings, check_runs, reviewer_input)


def _reusable_results(store: Store, heads: Mapping[int, RunHead],
                      rules: RuleSet | None) -> dict[int, tuple[list[Finding], list[CheckRun]]]:
    """Run id -> the stored findings and check records that a re-score with ``rules`` (None: the
    run's own table) may reuse (:func:`reusable_checks`), for the runs of ``heads``."""
    load_builtin_checks()
    run_ids = list(heads)
    records = check_records_of(store, run_ids, REGISTRY)
    found = check_findings_of(store, run_ids)
    out: dict[int, tuple[list[Finding], list[CheckRun]]] = {}
    for run_id in run_ids:
        stored_table = (heads[run_id].run["settings"] or {}).get("rules")
        runs = reusable_checks(records[run_id], stored_table, rules)
        kinds = {k for c in runs for k in REGISTRY[c.name].kinds}
        out[run_id] = ([f for f in found[run_id] if f.kind in kinds], runs)
    return out


def reusable_checks(records: Sequence[dict[str, Any]], stored_table: dict[str, Any] | None,
                    rules: RuleSet | None) -> list[CheckRun]:
    """The stored check records (``check_runs`` rows of one run) whose results a re-score with
    ``rules`` may reuse: the check still exists and ran without error, its rule-table reads were
    recorded, and ``rules`` (None: the stored table itself) agrees with the stored table on every
    section it read. A finding kind two checks produce is reused only when both are (its stored
    findings cannot be told apart by check)."""
    by_name: dict[str, dict[str, Any]] = {}
    for r in records:
        reads = r.get("rule_reads")
        if r["check_name"] not in REGISTRY or r["status"] == "error" or reads is None:
            continue
        sections = json.loads(reads)
        if rules is None or (stored_table is not None and same_sections(stored_table, rules.data, sections)):
            by_name[r["check_name"]] = r
    producers: dict[str, set[str]] = {}
    for registered in REGISTRY.values():
        for kind in registered.kinds:
            producers.setdefault(kind, set()).add(registered.name)
    changed = True
    while changed:  # drop every check sharing a kind with one that runs again, until none does
        changed = False
        for name in list(by_name):
            if any(not producers[kind] <= by_name.keys() for kind in REGISTRY[name].kinds):
                del by_name[name]
                changed = True
    return [CheckRun(r["check_name"], r["status"], r["findings"], 0.0, r["error"], frozenset(json.loads(r["rule_reads"])))
            for r in records if r["check_name"] in by_name]
