"""Finding a site's columns (栏目): navigation, homepage blocks, breadcrumbs, site config.

A candidate becomes a column when its URL was crawled as a column page: a list
page, a page with a ColumnName meta tag, or a page whose list scripts fill. The
first way a column was found is kept (nav, homepage, breadcrumb, config).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from govwatch.core.siteconfig import ColumnOverride
from govwatch.rundata import RunData

DISCOVERY_ORDER = ("nav", "homepage", "breadcrumb", "config")


@dataclass(slots=True)
class ColumnRef:
    """A column's entry page and how it was found."""

    url: str
    name: str
    discovered_by: str  # nav | homepage | breadcrumb | config
    parent: str | None = None  # the parent column's URL (from a breadcrumb)
    override: ColumnOverride | None = None


def is_column_page(facts: dict[str, Any]) -> bool:
    """A page that lists a column's items (or should: blank and script-filled pages count)."""
    return (facts.get("page_type") == "list" or bool((facts.get("meta") or {}).get("ColumnName"))
            or bool(facts.get("needs_render")))


def _candidates(data: RunData) -> Iterable[tuple[str, str, str, str | None]]:
    """(url, name, discovered_by, parent) in discovery order; repeats are fine."""
    home = data.homepage() or {}
    for text, url in home.get("nav") or []:
        yield url, text, "nav", None
    for block in home.get("lists") or []:
        if block.get("more_url"):
            yield block["more_url"], block.get("heading") or "", "homepage", None
    named_by_crumb: set[tuple[str | None, str]] = set()
    for url, facts in data.pages(page_type="list"):  # crawl order: a column's entry page before its later pages
        crumbs = facts.get("breadcrumb") or []
        parent: str | None = None
        for index, (text, crumb_url) in enumerate(crumbs):
            if index == 0 and (crumb_url is None or data.is_homepage(crumb_url) or text in ("首页", "网站首页")):
                continue  # the trail starts at the homepage
            if crumb_url is None and index == len(crumbs) - 1 and (parent, text) not in named_by_crumb:
                named_by_crumb.add((parent, text))
                crumb_url = url  # the last crumb names the page itself (first page of that name)
            if crumb_url is not None:
                yield crumb_url, text, "breadcrumb", parent
                parent = crumb_url


def discover_columns(data: RunData) -> list[ColumnRef]:
    """The site's columns, by first discovery, with the site config applied."""
    found: dict[str, ColumnRef] = {}
    parents: dict[str, str] = {}
    for url, name, how, parent in _candidates(data):
        if parent and url not in parents and parent != url:
            parents[url] = parent
        if url in found or data.is_homepage(url):
            continue
        facts = data.page(url)
        if facts is None or not is_column_page(facts):
            continue
        found[url] = ColumnRef(url=url, name=name.strip() or (facts.get("meta") or {}).get("ColumnName", ""),
                               discovered_by=how)
    for ref in found.values():
        parent = parents.get(ref.url)
        ref.parent = parent if parent in found else None
    return _apply_config(data, list(found.values()))


def _apply_config(data: RunData, refs: list[ColumnRef]) -> list[ColumnRef]:
    by_url = {ref.url: ref for ref in refs}
    for override in data.site_config.columns:
        ref = by_url.get(override.url) if override.url else None
        if ref is None and override.url is None:
            ref = next((r for r in refs if r.name == override.name), None)
        if ref is None:
            if override.url is None or override.exclude:
                continue  # nothing to add: a name that matched no column is reported by the caller
            ref = ColumnRef(url=override.url, name=override.name or override.url, discovered_by="config")
            refs.append(ref)
            by_url[ref.url] = ref
        elif override.url and override.name:
            ref.name = override.name
        ref.override = override
    return [ref for ref in refs if not (ref.override and ref.override.exclude)]
