"""Finding a site's columns (栏目): navigation, homepage blocks, breadcrumbs, channel pages,
the site map, site config.

A candidate becomes a column when its URL was crawled as a column page: a list
page, a page with a ColumnName meta tag, or a page whose list scripts fill — or, whatever
its page type and meta tags, a page that lists messages itself (:func:`lists_messages`: a
政民互动 page with rows showing 留言时间 or 办理状态, which extraction may take for an article).
The first way a column was found is kept, in :data:`DISCOVERY_ORDER`.

Channel pages (频道页: 互动交流, 政务公开 …) list sub-columns instead of items. Discovery
descends from every page the navigation, a homepage block or the site map (the page a
homepage link called 网站地图 / 站点地图 / sitemap leads to) links, to :data:`CHANNEL_DEPTH`
levels: a page with at least two own links (not the site template's) to column pages is a
channel, and those column pages are its sub-columns (discovered by ``channel``, or
``sitemap`` below the site map). A channel page below which its sub-columns lie (by URL
folder or breadcrumb) and that lists no dated item is not itself judged as a column.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from govwatch.analysis.interaction.messages import is_message_list
from govwatch.core.siteconfig import ColumnOverride
from govwatch.extract.decode import decode_html
from govwatch.rundata import RunData

DISCOVERY_ORDER = ("nav", "homepage", "channel", "sitemap", "breadcrumb", "config")
CHANNEL_DEPTH = 3  # levels of channel pages read below the navigation and the site map
SITEMAP_WORDS = ("网站地图", "站点地图", "sitemap", "site map")
DETAIL_TYPES = frozenset({"article", "message", "guide"})
_TEMPLATE_SAMPLE = 6  # navigation pages whose common links are the site template


@dataclass(slots=True)
class ColumnRef:
    """A column's entry page and how it was found."""

    url: str
    name: str
    discovered_by: str  # nav | homepage | breadcrumb | channel | sitemap | config
    parent: str | None = None  # the parent column's URL (breadcrumb) or channel page
    override: ColumnOverride | None = None


def is_column_page(facts: dict[str, Any]) -> bool:
    """A page that lists a column's items (or should: blank and script-filled pages count)."""
    return (facts.get("page_type") == "list" or bool((facts.get("meta") or {}).get("ColumnName"))
            or bool(facts.get("needs_render")))


def lists_items(facts: dict[str, Any]) -> bool:
    """A column page, or a short list page that extraction took for an article: no article meta,
    a list of at least three dated items, and the "publish date" one of those items' dates."""
    if is_column_page(facts):
        return True
    meta = facts.get("meta") or {}
    if facts.get("page_type") != "article" or meta.get("ArticleTitle") or meta.get("PubDate"):
        return False
    lists = facts.get("lists") or []
    dates = [item.get("date") for item in (lists[0].get("items") or []) if item.get("date")] if lists else []
    return len(dates) >= 3 and facts.get("publish_date") in dates


def page_html(data: RunData, url: str) -> tuple[str, str] | None:
    """A page's stored body as text, with its URL (for reading a column page's content)."""
    body = data.body(url)
    if body is None:
        return None
    return decode_html(body, (data.fetches.get(url) or {}).get("content_type") or "")[0], url


def lists_messages(data: RunData, url: str) -> bool:
    """Whether a page lists messages itself (:func:`~govwatch.analysis.interaction.messages.is_message_list`:
    at least two rows with 留言时间 / 办理状态), whatever its page type: a message board's page is a
    column page. Each page is read once per run."""
    known: dict[str, bool] = data.derived("message_list_pages", lambda _data: {})
    if url not in known:
        shown = page_html(data, url)
        known[url] = shown is not None and is_message_list(*shown)
    return known[url]


def _dated_items(facts: dict[str, Any]) -> bool:
    return any(item.get("date") for block in facts.get("lists") or [] for item in block.get("items") or [])


def _homepage_candidates(data: RunData) -> Iterable[tuple[str, str, str, str | None]]:
    """(url, name, nav | homepage, None): the navigation, then the homepage blocks' 更多 links."""
    home = data.homepage() or {}
    for text, url in home.get("nav") or []:
        yield url, text, "nav", None
    for block in home.get("lists") or []:
        if block.get("more_url"):
            yield block["more_url"], block.get("heading") or "", "homepage", None


def _breadcrumb_candidates(data: RunData) -> Iterable[tuple[str, str, str, str | None]]:
    """(url, name, breadcrumb, parent) from the trails of list pages; repeats are fine."""
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


@dataclass(slots=True)
class Channels:
    """What descending from channel pages and the site map found."""

    subcolumns: list[tuple[str, str, str, str]]  # (url, name, channel | sitemap, channel page)
    not_columns: set[str]  # channel pages that are no column themselves (nothing dated, sub-columns below)


def sitemap_url(data: RunData) -> str | None:
    """The site map page: the first homepage link whose text (else URL) says 网站地图 / sitemap."""
    home = next((u for u in data.homepage_urls if data.fetches.get(u, {}).get("role") == "page"), data.site_url)
    links = data.links_from([home]).get(home) or []
    by_text = [t for t, tag, text in links if tag == "a" and any(w in text.lower() for w in SITEMAP_WORDS)]
    by_url = [t for t, tag, _text in links if tag == "a" and "sitemap" in urlsplit(t).path.lower()
              and not urlsplit(t).path.lower().endswith(".xml")]
    return next((url for url in by_text + by_url if data.page(url) is not None), None)


def _folder(url: str) -> str:
    path = urlsplit(url).path or "/"
    return path if path.endswith("/") else posixpath.dirname(path).rstrip("/") + "/"


class _Descent:
    """One descent over channel pages, reading each page's facts once."""

    def __init__(self, data: RunData) -> None:
        self.data = data
        self._facts: dict[str, dict[str, Any] | None] = {}
        self.template: set[str] = set()

    def facts(self, url: str) -> dict[str, Any] | None:
        if url not in self._facts:
            row = self.data.fetches.get(url) or {}
            self._facts[url] = self.data.page(url) if row.get("role") == "page" else None
        return self._facts[url]

    def learn_template(self, pages: list[str]) -> None:
        """Link targets every sampled navigation page holds (the site's header, navigation and footer)."""
        sample = [u for u in pages if not self.data.is_homepage(u) and self.facts(u) is not None]
        sample = sample[:_TEMPLATE_SAMPLE]
        if len(sample) < 2:
            return
        links = self.data.links_from(sample)
        common = {t for t, _tag, _text in links[sample[0]]}
        for url in sample[1:]:
            common &= {t for t, _tag, _text in links[url]}
        self.template = common

    def own_links(self, url: str, links: list[tuple[str, str, str]]) -> list[tuple[str, str, dict[str, Any]]]:
        """(target, text, facts) of a page's own links to other crawled pages in scope: not the
        template's, not its pagination, not its dated items."""
        facts = self.facts(url) or {}
        skip = set((facts.get("pagination") or {}).get("page_urls") or []) | self.template | {url}
        skip |= {item["url"] for block in facts.get("lists") or [] for item in block.get("items") or []
                 if item.get("date") and item.get("url")}
        out: list[tuple[str, str, dict[str, Any]]] = []
        for target, tag, text in links:
            if tag != "a" or target in skip or self.data.is_homepage(target):
                continue
            skip.add(target)
            target_facts = self.facts(target)
            if target_facts is not None and (target_facts.get("page_type") not in DETAIL_TYPES
                                             or self.is_column(target)):
                out.append((target, text.strip(), target_facts))
        return out

    def is_column(self, url: str) -> bool:
        """Whether a crawled page is a (sub-)column's page: it lists items, or it lists messages."""
        facts = self.facts(url)
        return facts is not None and (lists_items(facts) or lists_messages(self.data, url))

    def below(self, channel: str, sub: str, sub_facts: dict[str, Any]) -> bool:
        """Whether a sub-column lies below a channel page: in its URL folder, or its breadcrumb names it."""
        folder = _folder(channel)
        if folder != "/" and urlsplit(sub).path.startswith(folder) and _folder(sub) != folder:
            return True
        return any(crumb_url == channel for _text, crumb_url in sub_facts.get("breadcrumb") or [])


def descend_channels(data: RunData, site_map: str | None) -> Channels:
    """Sub-columns of the channel pages below the navigation, homepage blocks and the site map."""
    home = data.homepage() or {}
    starts = [(url, "channel") for _text, url in home.get("nav") or []]
    starts += [(block["more_url"], "channel") for block in home.get("lists") or [] if block.get("more_url")]
    descent = _Descent(data)
    descent.learn_template([url for url, _how in starts])
    if site_map is not None:
        starts.append((site_map, "sitemap"))
    found = Channels([], set())
    seen = {url for url, _how in starts} | set(data.homepage_urls)
    frontier = starts
    for _level in range(CHANNEL_DEPTH):
        links = data.links_from([url for url, _how in frontier]) if frontier else {}
        further: list[tuple[str, str]] = []
        for url, how in frontier:
            facts = descent.facts(url)
            if facts is None or facts.get("page_type") in DETAIL_TYPES:
                continue
            own = descent.own_links(url, links.get(url) or [])
            subs = [(t, text, f) for t, text, f in own if descent.is_column(t)]
            if url == site_map or len(subs) >= 2:  # the site map, or a channel page
                found.subcolumns += [(t, text, how, url) for t, text, _f in subs]
                if not _dated_items(facts) and not facts.get("needs_render") \
                        and sum(descent.below(url, t, f) for t, _text, f in subs) >= 2:
                    found.not_columns.add(url)
            further += [(t, how) for t, _text, _f in own if t not in seen]
            seen.update(t for t, _text, _f in own)
        frontier = further
    return found


def discover_columns(data: RunData) -> list[ColumnRef]:
    """The site's columns, by first discovery, with the site config applied."""
    found: dict[str, ColumnRef] = {}
    parents: dict[str, str] = {}
    site_map = sitemap_url(data)
    channels = descend_channels(data, site_map)
    candidates = [*_homepage_candidates(data), *channels.subcolumns, *_breadcrumb_candidates(data)]
    for url, name, how, parent in candidates:
        if parent and url not in parents and parent != url:
            parents[url] = parent
        if url in found or data.is_homepage(url) or url in channels.not_columns or url == site_map:
            continue
        facts = data.page(url)
        if facts is None:
            continue
        if not (lists_items(facts) if how in ("channel", "sitemap") else is_column_page(facts)) \
                and not lists_messages(data, url):
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
