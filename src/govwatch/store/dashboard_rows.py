"""The dashboard's aggregate queries: one query per widget, however many sites (docs/web.md
"Dashboard queries and speed").

Every function takes ``site_ids``, the sites the caller may see (``None``: every site), as
:mod:`govwatch.web.scope` computes them. A scope is an ``IN`` list in the query (SQLite answers one
of 1,500 ids several times faster than a filter on the rows: bench/dashboard_queries.py); a
larger one (more than :data:`IN_LIST_LIMIT` ids, or than half the bound values the database takes
in one statement) is applied to the rows as they come. A site's standing is its newest *complete
full* run (manual or scan, completed, the crawl read the site:
:func:`~govwatch.store.run_listing.newest_full_select`) and that run's newest score sheet; a site
without one is 未评定.

Reads only: what the numbers mean on a page (labels, badges, charts) is the web's business.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    Integer,
    Select,
    case,
    cast,
    column,
    func,
    literal,
    select,
    type_coerce,
    union_all,
)

from govwatch.store import tables as t
from govwatch.store.db import Store
from govwatch.store.registry_rows import all_orgs
from govwatch.store.run_listing import newest_full_select, newest_score_join, newest_score_value
from govwatch.store.run_results import NAME_SEPARATOR

__all__ = ["VERDICTS", "UNRATED", "IN_LIST_LIMIT", "SiteStanding", "Overview", "OrgNode", "OrgTree", "AtRisk",
           "DayAvailability", "IndicatorFindings", "overview", "org_tree", "sites_at_risk", "availability_days",
           "newest_runs", "findings_by_indicator"]

UNRATED = "未评定"  # no complete full run, no score sheet, or a sheet without a verdict (not fully assessed)
VERDICTS = ("合格", "不合格", UNRATED)
IN_LIST_LIMIT = 10_000  # scopes up to this many sites go into the query as an IN list (the database's limit permitting)


_Query = TypeVar("_Query", bound=Select[Any])


@dataclass(frozen=True, slots=True)
class _Scope:
    """The caller's ``site_ids`` as a query applies them: an IN list when it fits (``in_sql``),
    else a filter on the rows as they come."""

    ids: Collection[int] | None
    in_sql: bool

    @classmethod
    def of(cls, store: Store, site_ids: Collection[int] | None) -> _Scope:
        fits = site_ids is None or len(site_ids) <= min(IN_LIST_LIMIT, store.max_params // 2)
        return cls(site_ids, fits)

    def where(self, q: _Query, column: Any) -> _Query:
        """``q`` limited to the scope in SQL when the IN list fits."""
        return q.where(column.in_(sorted(self.ids))) if self.ids is not None and self.in_sql else q

    def rows(self, rows: Iterable[Any], key: str) -> Iterator[Any]:
        """The rows whose ``key`` is in the scope (all of them when the query applied it)."""
        if self.ids is None or self.in_sql:
            yield from rows
            return
        allowed = set(self.ids)
        yield from (r for r in rows if r[key] in allowed)


def _verdict(value: str | None) -> str:
    return value if value in VERDICTS else UNRATED


# -- 总览: the portfolio --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SiteStanding:
    """A site and its newest complete full run's verdict (``run_id`` None: never read whole)."""

    site_id: int
    url: str
    name: str | None
    org_id: int | None
    status: str  # the registry's 正常 | 例外 | 关停
    run_id: int | None
    as_of: str | None  # the run's date (YYYY-MM-DD)
    verdict: str  # 合格 | 不合格 | 未评定
    score: float | None
    vetoes: tuple[str, ...]  # names of the vetoes the run triggered


@dataclass(slots=True)
class Overview:
    """Every site in scope with its standing, and the portfolio's counts."""

    sites: list[SiteStanding]
    counts: dict[str, int]  # verdict -> sites (all of VERDICTS, zero included)
    vetoes: dict[str, int]  # veto name -> sites that triggered it, most first


def _triggered_vetoes(conn: Connection) -> Any:
    """The names of the triggered vetoes of the joined ``scores`` row, joined by
    :data:`NAME_SEPARATOR`: as stored beside the sheet (``triggered_vetoes``), else (a sheet stored
    before 0019) picked out of the sheet by the database."""
    return func.coalesce(t.scores.c.triggered_vetoes, _vetoes_in_sheet(conn))


def _vetoes_in_sheet(conn: Connection) -> Any:
    """The sheet's triggered vetoes' names (null when none): its ``vetoes`` array carries each veto's
    reasons and kinds (kilobytes a site) the overview never shows."""
    sheet = t.scores.c.sheet
    if conn.dialect.name == "postgresql":
        elements = func.json_array_elements(sheet.op("->")("vetoes")).table_valued(column("value", JSON)).alias("v")
        value = elements.c.value
        return (select(func.string_agg(value.op("->>")("name"), NAME_SEPARATOR))
                .where(value.op("->>")("triggered") == "true").scalar_subquery())
    elements = func.json_each(sheet, "$.vetoes").table_valued("value").alias("v")
    value = elements.c.value
    return (select(func.group_concat(func.json_extract(value, "$.name"), NAME_SEPARATOR))
            .where(func.json_extract(value, "$.triggered") == 1).scalar_subquery())


def _names(joined: str | None) -> tuple[str, ...]:
    return tuple(joined.split(NAME_SEPARATOR)) if joined else ()


def overview(store: Store, site_ids: Collection[int] | None) -> Overview:
    """The sites in scope (by id) with their standing; counts by verdict and by triggered veto.
    One query: sites ⟕ newest complete full run ⟕ its newest score (only the sheet's ``vetoes``
    array is read, not the whole sheet)."""
    scope = _Scope.of(store, site_ids)
    newest = scope.where(newest_full_select(), t.runs.c.site_id).subquery("newest")
    s = t.sites.c
    with store.engine.connect() as conn:
        q = (select(s.id, s.url, s.name, s.org_id, s.status, newest.c.run_id, t.runs.c.as_of, t.scores.c.verdict,
                    t.scores.c.score,
                    # a triggered veto always fails the site (rules/engine.py): passed sheets are not read
                    case((t.scores.c.verdict == "不合格", _triggered_vetoes(conn))).label("vetoes"))
             .outerjoin(newest, newest.c.site_id == s.id)
             .outerjoin(t.runs, t.runs.c.id == newest.c.run_id)
             .outerjoin(t.scores, newest_score_join(newest.c.run_id))
             .order_by(s.id))
        rows = list(scope.rows(conn.execute(scope.where(q, s.id)).mappings(), "id"))
    sites = [SiteStanding(int(r["id"]), r["url"], r["name"], r["org_id"], r["status"], r["run_id"],
                          r["as_of"][:10] if r["as_of"] else None, _verdict(r["verdict"]), r["score"],
                          _names(r["vetoes"]) if r["run_id"] is not None else ())
             for r in rows]
    counts = dict.fromkeys(VERDICTS, 0)
    vetoes: dict[str, int] = {}
    for site in sites:
        counts[site.verdict] += 1
        for name in site.vetoes:
            vetoes[name] = vetoes.get(name, 0) + 1
    return Overview(sites, counts, dict(sorted(vetoes.items(), key=lambda kv: (-kv[1], kv[0]))))


# -- 组织: the org tree ---------------------------------------------------------------------------

@dataclass(slots=True)
class OrgNode:
    """An org and the sites of its subtree in scope: counts by verdict and the average score."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    children: list[int] = field(default_factory=list)  # ids of the child nodes shown, by code
    sites: int = 0  # sites of the subtree in scope
    own_sites: int = 0  # of them, sites of this org itself
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VERDICTS, 0))
    score_sum: float = 0.0
    scored: int = 0  # sites with a numeric score

    @property
    def average(self) -> float | None:
        """The mean score of the subtree's scored sites (None when none is scored)."""
        return round(self.score_sum / self.scored, 2) if self.scored else None


@dataclass(slots=True)
class OrgTree:
    """The org tree as far as the scope reaches: nodes by id, the top nodes, sites without an org."""

    nodes: dict[int, OrgNode]
    roots: list[int]
    unassigned: int  # sites in scope with no org


def org_tree(store: Store, site_ids: Collection[int] | None) -> OrgTree:
    """The registry's orgs with per-node counts (each node counts its whole subtree). With a scope
    (``site_ids`` not None), only the orgs whose subtree holds a site in scope, and only those
    sites counted. Two queries: the orgs, and every site's org and standing (:func:`overview`)."""
    orgs = all_orgs(store)
    nodes = {o.id: OrgNode(o.id, o.code, o.name, o.level, o.parent_id) for o in orgs.values()}
    unassigned = 0
    for site in overview(store, site_ids).sites:
        if site.org_id not in nodes:
            unassigned += 1
            continue
        nodes[site.org_id].own_sites += 1
        seen: set[int] = set()
        org_id: int | None = site.org_id
        while org_id is not None and org_id in nodes and org_id not in seen:  # up to the root (a cycle ends it)
            seen.add(org_id)
            node = nodes[org_id]
            node.sites += 1
            node.counts[site.verdict] += 1
            if site.score is not None:
                node.score_sum += site.score
                node.scored += 1
            org_id = node.parent_id
    if site_ids is not None:
        nodes = {i: n for i, n in nodes.items() if n.sites}
    for node in sorted(nodes.values(), key=lambda n: n.code):
        if node.parent_id in nodes:
            nodes[node.parent_id].children.append(node.id)
    roots = [n.id for n in sorted(nodes.values(), key=lambda n: n.code) if n.parent_id not in nodes]
    return OrgTree(nodes, roots, unassigned)


# -- 预警: sites at risk ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AtRisk:
    """A column (or the homepage) of a site's newest complete full run and its days left today."""

    site_id: int
    site_url: str
    site_name: str | None
    run_id: int
    run_as_of: str  # YYYY-MM-DD
    column: str
    url: str
    type: str
    is_key: bool
    last_update: str | None
    window_days: int | None
    days_left: int  # as of ``today`` (negative: overdue by that many days)
    expires: str  # the last day the column is inside its window (YYYY-MM-DD)


def _days_since(conn: Connection, day_text: Any, today: date) -> Any:
    """Whole days from the ISO date ``day_text`` (a column's first 10 characters) to ``today``."""
    day = func.substr(day_text, 1, 10)
    if conn.dialect.name == "postgresql":
        return type_coerce(cast(literal(today.isoformat()), Date) - cast(day, Date), Integer)
    return cast(func.julianday(today.isoformat()) - func.julianday(day), Integer)


def sites_at_risk(store: Store, site_ids: Collection[int] | None, *, today: date, within_days: int = 7,
                  limit: int | None = 200) -> list[AtRisk]:
    """Columns of the newest complete full runs whose window ends within ``within_days`` of
    ``today`` (or has ended), smallest days left first (then site, column). The days left are the
    run's (``columns.days_left``, counted from its as_of) less the days since. One query."""
    scope = _Scope.of(store, site_ids)
    newest = scope.where(newest_full_select(), t.runs.c.site_id).subquery("newest")
    c, r, s = t.columns.c, t.runs.c, t.sites.c
    with store.engine.connect() as conn:
        left = (c.days_left - _days_since(conn, r.as_of, today)).label("left")
        q = (select(s.id.label("site_id"), s.url, s.name, r.id.label("run_id"), r.as_of, c.name.label("column"),
                    c.url.label("column_url"), c.type, c.is_key, c.last_update, c.window_days, left)
             .select_from(newest)
             .join(t.runs, r.id == newest.c.run_id)
             .join(t.sites, s.id == newest.c.site_id)
             .join(t.columns, c.run_id == newest.c.run_id)
             .where(c.days_left.is_not(None), left <= within_days)
             .order_by(left, s.id, c.id))
        if limit is not None and scope.in_sql:
            q = q.limit(limit)
        found: list[AtRisk] = []
        for row in scope.rows(conn.execute(q).mappings(), "site_id"):
            days = int(row["left"])
            found.append(AtRisk(int(row["site_id"]), row["url"], row["name"], int(row["run_id"]), row["as_of"][:10],
                                row["column"], row["column_url"], row["type"], bool(row["is_key"]),
                                row["last_update"], row["window_days"], days,
                                (today + timedelta(days=days)).isoformat()))
            if limit is not None and len(found) >= limit:
                break
    return found


# -- availability of the last days ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DayAvailability:
    """A site's probes of one day (Beijing time): visits and failed visits."""

    day: str  # YYYY-MM-DD
    visits: int
    failed: int

    @property
    def ratio(self) -> float:
        """The share of the day's visits that opened the page (0..1)."""
        return (self.visits - self.failed) / self.visits if self.visits else 0.0


def availability_days(store: Store, site_ids: Collection[int] | None, *, today: date, days: int = 7,
                      target_kind: str = "homepage") -> dict[int, list[DayAvailability]]:
    """site id -> its probes of ``target_kind`` per day over the ``days`` days ending with
    ``today`` (the ``at`` text's date, as :func:`~govwatch.store.run_listing.probe_day_rows`
    counts them), oldest day first; days without a probe are absent. A visit failed when it did not
    open the page (``ok`` false; the re-probe never changes that). Days rolled up into ``probe_days``
    (store/growth_rows.py) count their visits and failures as the rows did. One query."""
    p, d = t.probes.c, t.probe_days.c
    day = func.substr(p.at, 1, 10)
    first = (today - timedelta(days=days - 1)).isoformat()
    after = (today + timedelta(days=1)).isoformat()
    failed = func.sum(case((p.ok.is_(False), 1), else_=0))
    scope = _Scope.of(store, site_ids)
    raw = (select(p.site_id.label("site_id"), day.label("day"), func.count().label("visits"), failed.label("failed"))
           .where(p.at >= first, p.at < after, p.target_kind == target_kind).group_by(p.site_id, day))
    rolled = (select(d.site_id.label("site_id"), d.day.label("day"), func.sum(d.visits).label("visits"),
                     func.sum(d.failures).label("failed"))
              .where(d.day >= first, d.day < after, d.target_kind == target_kind).group_by(d.site_id, d.day))
    both = union_all(scope.where(raw, p.site_id), scope.where(rolled, d.site_id)).subquery()
    q = (select(both.c.site_id, both.c.day, func.sum(both.c.visits).label("visits"),
                func.sum(both.c.failed).label("failed"))
         .group_by(both.c.site_id, both.c.day).order_by(both.c.site_id, both.c.day))
    out: dict[int, list[DayAvailability]] = {}
    with store.engine.connect() as conn:
        for row in scope.rows(conn.execute(q).mappings(), "site_id"):
            out.setdefault(int(row["site_id"]), []).append(
                DayAvailability(row["day"], int(row["visits"]), int(row["failed"] or 0)))
    return out


# -- newest runs ----------------------------------------------------------------------------------

def newest_runs(store: Store, site_ids: Collection[int] | None, *, limit: int = 20) -> list[dict[str, Any]]:
    """The newest runs of the sites in scope, newest first (at most ``limit``): id, site_id,
    site_url, site_name, kind (inspect | manual | scan | patrol), status, complete, as_of,
    started_at, finished_at, and verdict and score of the run's newest score sheet. One query."""
    r, s = t.runs.c, t.sites.c
    q = (select(r.id, r.site_id, s.url.label("site_url"), s.name.label("site_name"), r.kind, r.status, r.complete,
                r.as_of, r.started_at, r.finished_at, newest_score_value("verdict", r.id).label("verdict"),
                newest_score_value("score", r.id).label("score"))
         .join(t.sites, s.id == r.site_id)
         .order_by(r.id.desc()))
    scope = _Scope.of(store, site_ids)
    q = scope.where(q, r.site_id)
    if scope.in_sql:
        q = q.limit(limit)
    found: list[dict[str, Any]] = []
    with store.engine.connect() as conn:
        for row in scope.rows(conn.execute(q).mappings(), "site_id"):
            found.append(dict(row))
            if len(found) >= limit:
                break
    return found


# -- a run's findings by indicator --------------------------------------------------------------

@dataclass(slots=True)
class IndicatorFindings:
    """The findings of one run filed under one indicator."""

    indicator: str
    findings: list[dict[str, Any]]  # id, kind, code, severity, url, source, target, message, evidence, fingerprint

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f["severity"] == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f["severity"] != "error")


def findings_by_indicator(store: Store, run_id: int, site_ids: Collection[int] | None
                          ) -> list[IndicatorFindings] | None:
    """The run's stored findings grouped by indicator (indicators in order, findings in stored
    order); None when there is no such run or its site is outside ``site_ids`` (a 404, never a
    403: the caller learns nothing of runs it may not see)."""
    f = t.findings.c
    with store.engine.connect() as conn:
        site_id = conn.execute(select(t.runs.c.site_id).where(t.runs.c.id == run_id)).scalar()
        if site_id is None or (site_ids is not None and site_id not in site_ids):
            return None
        rows = conn.execute(select(f.id, f.indicator, f.kind, f.code, f.severity, f.url, f.source, f.target,
                                   f.message, f.evidence, f.fingerprint)
                            .where(f.run_id == run_id).order_by(f.indicator, f.id)).mappings().all()
    groups: dict[str, IndicatorFindings] = {}
    for row in rows:
        groups.setdefault(row["indicator"], IndicatorFindings(row["indicator"], [])).findings.append(dict(row))
    return list(groups.values())
