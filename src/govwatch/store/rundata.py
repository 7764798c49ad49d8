"""RunData backed by the store: fetch rows in memory, pages and links read on demand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import func, select

from govwatch.checks import LinkTarget, RunData
from govwatch.rules import RuleSet
from govwatch.siteconfig import parse_site_config
from govwatch.store import tables as t
from govwatch.store.db import Store
from govwatch.urls import Scope

_FETCH_COLUMNS = ("role", "kind", "depth", "method", "status", "error", "error_detail", "final_url",
                  "content_type", "size", "elapsed_ms", "attempts", "soft_404", "body_hash")


class StoreRunData(RunData):
    """A stored run as checks see it."""

    def __init__(self, store: Store, run_id: int, rules: RuleSet | None = None) -> None:
        """The stored run ``run_id``, judged with ``rules`` (default: the table stored with the run)."""
        run = store.run(run_id)
        site = store.site(run["site_id"])
        homepage = site["url"]
        crawl = run["settings"].get("crawl", {})
        scope = Scope.for_site(homepage, extra_hosts=tuple(crawl.get("extra_hosts", ())),
                               excluded_prefixes=tuple(crawl.get("excluded_prefixes", ())))
        columns = [t.urls.c.url, *(t.fetches.c[name] for name in _FETCH_COLUMNS)]
        q = (select(*columns).join(t.urls, t.urls.c.id == t.fetches.c.url_id)
             .where(t.fetches.c.run_id == run_id))
        with store.engine.connect() as conn:
            fetches = {row["url"]: dict(row) for row in conn.execute(q).mappings()}
        homepage_urls = {homepage}
        home_row = fetches.get(homepage)
        if home_row and home_row.get("final_url"):
            homepage_urls.add(home_row["final_url"])
        stored = run["settings"]
        if rules is None and stored.get("rules"):
            rules = stored_ruleset(stored["rules"])
        site_config = parse_site_config(_config_data(stored.get("site_config")), "(stored with the run)")
        super().__init__(site_url=homepage, scope=scope, as_of=date.fromisoformat(run["as_of"][:10]),
                         fetches=fetches, homepage_urls=frozenset(homepage_urls), rules=rules,
                         site_config=site_config)
        self.store = store
        self.run_id = run_id
        self.site_id: int = run["site_id"]

    def probes(self) -> list[dict[str, Any]]:
        if self._probes is None:
            from govwatch.probe.store import probes_in_window
            self._probes = probes_in_window(self.store, self.site_id, self.as_of,
                                            int(self.rules.availability["window_days"]))
        return self._probes

    def _page_query(self) -> Any:
        return (select(t.urls.c.url, t.pages.c.facts, t.fetches.c.depth)
                .join(t.fetches, t.fetches.c.id == t.pages.c.fetch_id)
                .join(t.urls, t.urls.c.id == t.fetches.c.url_id)
                .where(t.pages.c.run_id == self.run_id))

    def page(self, url: str) -> dict[str, Any] | None:
        # Two indexed lookups (urls.url, then fetches(run_id, url_id)): one joined query
        # lets SQLite start from the run's pages and scan them (40 ms a page on 20,000 pages).
        with self.store.engine.connect() as conn:
            url_id = conn.execute(select(t.urls.c.id).where(t.urls.c.url == url)).scalar()
            if url_id is None:
                return None
            row = conn.execute(
                select(t.pages.c.facts, t.fetches.c.depth).join(t.pages, t.pages.c.fetch_id == t.fetches.c.id)
                .where(t.fetches.c.run_id == self.run_id, t.fetches.c.url_id == url_id)).first()
        return {**row[0], "depth": row[1]} if row else None

    def pages(self, page_type: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        q = self._page_query().order_by(t.fetches.c.id)
        if page_type is not None:
            q = q.where(t.pages.c.page_type == page_type)
        with self.store.engine.connect() as conn:
            for url, facts, depth in conn.execution_options(yield_per=500).execute(q):
                yield url, {**facts, "depth": depth}

    def _load_link_targets(self) -> list[LinkTarget]:
        q = (select(t.urls.c.url, func.min(t.links.c.kind), func.count())
             .join(t.urls, t.urls.c.id == t.links.c.target_id)
             .where(t.links.c.run_id == self.run_id).group_by(t.links.c.target_id, t.urls.c.url))
        with self.store.engine.connect() as conn:
            return [LinkTarget(url, kind, int(n)) for url, kind, n in conn.execute(q)]

    def links_to(self, targets: set[str]) -> list[tuple[str, str, str, str, str]]:
        if not targets:
            return []
        src = t.urls.alias("src")
        dst = t.urls.alias("dst")
        out: list[tuple[str, str, str, str, str]] = []
        wanted = list(targets)
        with self.store.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                q = (select(src.c.url, dst.c.url, t.links.c.kind, t.links.c.text, t.links.c.via)
                     .join(src, src.c.id == t.links.c.source_id).join(dst, dst.c.id == t.links.c.target_id)
                     .where(t.links.c.run_id == self.run_id, dst.c.url.in_(chunk)))
                out.extend(tuple(r) for r in conn.execute(q))  # type: ignore[misc]
        return out


def _config_data(stored: dict[str, Any] | None) -> dict[str, Any]:
    """A stored SiteConfig (dataclasses.asdict) back into site config file form."""
    if not stored:
        return {}
    site = {k: stored[k] for k in ("name", "site_code") if stored.get(k)}
    columns = [{k: v for k, v in col.items() if v not in (None, False)} for col in stored.get("columns") or []]
    return {"site": site, "columns": columns, "systems": stored.get("systems") or []}


def stored_ruleset(data: dict[str, Any]) -> RuleSet:
    """The rule table stored with a run. Runs stored before tables had scoring get the shipped
    table's scoring parts (same id) so they can still be scored."""
    if "indicators" not in data:
        from govwatch.rules import available_rulesets, load_ruleset
        if data["id"] in available_rulesets():
            shipped = load_ruleset(data["id"]).data
            data = {**data, **{k: shipped[k] for k in ("scoring", "vetoes", "indicators")}}
    return RuleSet(id=data["id"], name=data["name"], source=data["source"], path="(stored with the run)", data=data)
