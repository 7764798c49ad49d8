"""One simulated site: answers any site-relative path, on demand, from the seed.

``SiteGenerator.respond()`` is pure (no I/O, no clock): the server, the static
export and the tests all call it. Nothing is cached and nothing lists all pages,
so a 100,000-page site costs what a 100-page site costs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qsl

from govwatch.sim import resources, variant_pages
from govwatch.sim.access import choose_access
from govwatch.sim.accessibility import SiteAccessibility
from govwatch.sim.column_pages import Column, allocate
from govwatch.sim.defects import DECOY_PAGE_FAULTS, DefectPlan
from govwatch.sim.families import FAMILIES, JCMS_GROUP_PAGES, Jcms, jcms_group_query, jcms_groups
from govwatch.sim.footers import make_identity
from govwatch.sim.html_common import (
    Ctx,
    column_metas,
    document,
    error_page,
    headline,
    home_block,
    item_body,
    item_metas,
    planted_html,
    position,
    soft404_page,
    subnav,
)
from govwatch.sim.items import Item, ItemFactory
from govwatch.sim.layout import LAYOUTS, Ref
from govwatch.sim.linkage import POLICY_NO, related_html
from govwatch.sim.options import SimOptions, SiteSpec
from govwatch.sim.plants import SPAM_TITLE, SitePlants, footer_defects
from govwatch.sim.repairs import SiteRepairs
from govwatch.sim.response import HTML_BARE, HTML_UTF8, JSON_UTF8, XML_UTF8, SimResponse
from govwatch.sim.search import SiteSearch
from govwatch.sim.variation import catalogue, choose

PER_PAGE = {"trs": 20, "jcms": 15, "legacy": 20}
HOME_ITEMS = 7
HOME_WINDOW_DAYS = 14
MAX_PROXY_RECORDS = 500
_REASONS = {404: "Not Found", 410: "Gone", 500: "Internal Server Error"}


@dataclass(frozen=True, slots=True)
class Origins:
    """Where a site is served: its origin and root path, and the other loopback bases."""

    origin: str  # "http://127.0.0.1:8001"
    root: str = "/"  # "/" or "/sites/<id>/"
    external_base: str = "http://127.0.0.1:9/"
    refused_base: str = "http://127.0.0.1:9/"
    platform: tuple[tuple[str, str], ...] = ()


class SiteGenerator:
    """Pages, resources, faults and ground truth of one family site."""

    def __init__(self, options: SimOptions, spec: SiteSpec, index: int, origins: Origins) -> None:
        self.options = options
        self.spec = spec
        self.identity = make_identity(options, spec, index)
        self.key = f"{options.seed}:{spec.id}"
        self.family = FAMILIES[spec.family]
        self.variants = choose(options.seed, options.variation, spec.id)
        self.access = choose_access(options.seed, options.variation, spec.id, spec.access)
        fixed = 1 + 2 * len(DECOY_PAGE_FAULTS)  # homepage + planted decoy pages
        per_page = PER_PAGE[spec.family]
        self.columns: list[Column] = allocate(self.key, options.pages_for(spec) - fixed, per_page,
                                              spec.family != "jcms", options.day, catalogue(self.variants),
                                              options.forged_after)
        self.layout = LAYOUTS[spec.family](self.columns, self.variants.downloads)
        self.plan = DefectPlan(spec.id, self.layout, self.columns)
        self.factory = ItemFactory(self.key, self.identity.short, datetime.combine(options.day, time(0, 0)))
        self.factory.documents = next((c for c in self.columns if c.no == POLICY_NO), None)
        self.encoding = "gbk" if spec.family == "legacy" else "utf-8"
        self.origins = origins
        self.ctx = Ctx(spec.id, spec.family, self.identity, tuple(self.columns), self.layout, origins.root,
                       origins.origin + origins.root, origins.origin.split("://", 1)[1],
                       origins.external_base, origins.refused_base, origins.platform,
                       footer_defects(options, spec), self.variants,
                       tuple((c, variant_pages.channel_path(spec.family, c)) for c in self.variants.channels),
                       variant_pages.sitemap_path(spec.family) if self.variants.sitemap else "")
        self._by_no = {c.no: c for c in self.columns}
        self._planted_pages = {p.target: p for p in self.plan.links if p.target_base == "site"}
        reserved = {self.plan.soft200_item} | {(c.no, c.future_index) for c in self.columns
                                               if c.future_index is not None}  # pages the plants leave alone
        self.plants = SitePlants(options, spec, self.ctx, self.columns, frozenset(reserved))
        self.factory.sourceless = self.plants.no_source
        self.accessibility = SiteAccessibility(spec.family, self.ctx)  # 信息无障碍 plants (sim/accessibility.py)
        self.tampered = options.tampered  # the tamper flag (SimServer.set_tampered changes it while serving)
        self._home: dict[str, bytes] = {}  # homepage bytes per variant
        self.repairs = SiteRepairs()  # defects repaired while serving (SimServer.repair)
        self.search = SiteSearch.for_site(spec.id, spec.family)  # the site's own search (sim.search)

    # -- public helpers --------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self.ctx.base_url

    def column(self, no: int) -> Column:
        return self._by_no[no]

    def item(self, col: Column, index: int) -> Item:
        return self.factory.item(col, index)

    def url(self, rel: str) -> str:
        """Absolute URL of a site-relative path."""
        return self.ctx.base_url + rel

    def list_items(self, col: Column, k: int) -> range:
        """Indexes of the items in the static HTML of list page ``k`` (jcms: the data island)."""
        if col.blank or col.js:
            return range(0)
        size = col.per_page * (JCMS_GROUP_PAGES if self.spec.family == "jcms" else 1)
        return range(k * size, min(col.items, (k + 1) * size))

    def page_count(self) -> int:
        """Distinct HTML pages answering 200: home, list pages, items, planted decoy pages, and
        (construction variation) channel pages and the site map."""
        return (1 + sum(c.list_pages + c.items for c in self.columns) + len(self.plan.decoy_pages())
                + len(self.ctx.channel_paths) + bool(self.ctx.sitemap_path))

    def iter_pages(self) -> Iterator[tuple[str, str]]:
        """(site-relative path, page kind) of every HTML page, lazily."""
        yield "", "home"
        for col in self.columns:
            for k in range(col.list_pages):
                yield self.layout.list_path(col, k), "list"
        for col in self.columns:
            kind = {"consult": "message", "service": "guide"}.get(col.type, "article")
            for index in range(col.items):
                yield self.layout.item_path(col, index), kind
        for path in self.plan.decoy_pages():
            yield path, "decoy"
        for _channel, path in self.ctx.channel_paths:
            yield path, "channel"
        if self.ctx.sitemap_path:
            yield self.ctx.sitemap_path, "sitemap"

    def iter_endpoints(self) -> Iterator[tuple[Column, str]]:
        """(column, site-relative path) of the JSON endpoint of every script-filled column."""
        for col in self.columns:
            if col.js:
                yield col, self.endpoint_path(col)

    def endpoint_path(self, col: Column) -> str:
        """Site-relative URL of the JSON endpoint of a script-filled column."""
        if self.variants.script is not None:
            return variant_pages.endpoint_path(col)
        return self.layout.endpoint_path(col)

    def iter_files(self) -> Iterator[str]:
        """Site-relative paths of every non-HTML resource (static files, attachments, images)."""
        yield from self.layout.statics
        if self.variants.script is not None:
            yield variant_pages.SCRIPT_PATH
        yield "robots.txt"
        for col in self.columns:
            for index in range(col.items):
                item = self.factory.item(col, index)
                for att in item.attachments:
                    yield self.layout.attachment_path(col, index, att.n, att.ext)
                for n in range(1, item.images + 1):
                    yield self.layout.image_path(col, index, n)
        for ref, planted in self.plants.iter_file_refs():
            att = planted.attachment
            yield self.layout.attachment_path(self._by_no[ref.col], ref.index, att.n, att.ext)

    def iter_groups(self) -> Iterator[tuple[Column, int, int]]:
        """(column, startrecord, endrecord) of every later JCMS dataproxy group."""
        if self.spec.family != "jcms":
            return
        for col in self.columns:
            if not col.blank and not col.js:
                for start, end in jcms_groups(col.items, col.per_page):
                    yield col, start, end

    def group_url(self, col: Column, start: int, end: int) -> str:
        """Absolute URL of one dataproxy group."""
        return self.url("module/web/jpage/dataproxy.jsp") + "?" + jcms_group_query(self.ctx, col, start, end)

    # -- responding -------------------------------------------------------------
    def respond(self, method: str, path: str, query: str = "", form: dict[str, str] | None = None,
                user_agent: str = "") -> SimResponse:
        """The response to ``method path?query`` (path site-relative, no leading slash).

        ``user_agent`` matters only to the homepage of a cloaking site (``plants.SPIDER_TOKEN``); a
        site that is not ``open`` (``sim.access``) may answer its block or error page instead."""
        withheld = self.access.answer(path in ("", self.layout.home_alias))
        if withheld is not None:
            return withheld
        fault = self.plan.faults.get(path)
        if fault is not None:
            return self._repaired_target(path) if path in self.repairs.targets else self._fault(path, fault)
        if self.search.handles(path):
            return self.search_page(query)
        if self.variants.variation:
            varied = variant_pages.respond(self, path, query)
            if varied is not None:
                return varied
        fresh = self.repairs.fresh_item(path)
        if fresh is not None:
            return self.html(self.render_fresh(fresh))
        ref = self.layout.parse(path)
        if ref is None:
            return self.error(404)
        if ref.kind == "home":  # the one page worth caching: every crawl and probe starts here
            variant = self.plants.home_variant(user_agent, self.tampered)
            if variant not in self._home:
                self._home[variant] = self.html(self.render_home(variant)).body
            return self._html_bytes(self._home[variant])
        if ref.kind == "list":
            return self.html(self.render_list(self._by_no[ref.col], ref.index))
        if ref.kind == "item":
            return self.html(self.render_item(self._by_no[ref.col], ref.index))
        if ref.kind in ("attachment", "image"):
            return self.file(ref)
        if ref.kind == "static":
            return self._static(ref.name)
        if ref.kind == "robots":
            return SimResponse(body=b"User-agent: *\nAllow: /\n", content_type=resources.CONTENT_TYPES["txt"])
        if ref.kind == "dataproxy":
            params = dict(parse_qsl(query))
            params.update(form or {})
            return self.dataproxy(params)
        if ref.kind == "endpoint" and self.variants.script is None:
            return self.endpoint(self._by_no[ref.col])
        return self.error(404)

    def headline_index(self) -> int | None:
        """Index of the 政务动态 item repeated as the homepage 头条 (its newest dated item)."""
        col = self.columns[0]
        first = 1 if col.future_index is not None else 0
        return first if col.items > first else None

    def home_entries(self) -> list[tuple[Column, int]]:
        """(column, item index) of every item link on the homepage, in page order (the 头条 first)."""
        entries = []
        top = self.headline_index()
        if top is not None:
            entries.append((self.columns[0], top))
        for col in self.columns:
            if col.on_homepage:
                entries += [(col, index) for index in range(min(HOME_ITEMS, col.items))]
        return entries

    def render_home(self, variant: str = "normal") -> str:
        """The homepage; ``variant`` normal | spider (cloaking) | tampered (see ``plants``)."""
        blocks: dict[int, list[tuple[str, str, str]]] = {}
        top = ""
        has_top = self.headline_index() is not None
        for n, (col, index) in enumerate(self.home_entries()):
            item = self.factory.headline(col, index)
            entry = (self.ctx.href(self.layout.item_path(col, index, item.when)), item.title,
                     self.family.home_date(item.when))
            if n == 0 and has_top:
                top = headline(*entry)
            else:
                blocks.setdefault(col.no, []).append(entry)
        parts = [top] if top else []
        parts += [home_block(self.ctx, self._by_no[no], entries) for no, entries in blocks.items()]
        body = "\n".join(parts) + "\n" + planted_html(self.ctx, self.plan.links_on(Ref("home")))
        body += "\n" + self.plants.home_html(variant)
        body += "\n" + self.search.form_html(self.ctx.root)
        body += "\n" + self.accessibility.home_html()
        title = SPAM_TITLE if variant == "spider" else self.identity.name
        return document(self.ctx, title, [], body)

    def render_list(self, col: Column, k: int) -> str:
        heads = [(i, self.factory.headline(col, i)) for i in self.list_items(col, k)]
        items = [(self.ctx.href(path), h) for path, h in self.repairs.fresh_entries(col.no, k)]  # sim.repairs
        items += [(self.ctx.href(self.layout.item_path(col, i, h.when)), h) for i, h in heads]
        body = position(self.ctx, col) + "\n" + subnav(self.ctx, col)
        body += self.family.list_body(self.ctx, col, k, items)
        body += planted_html(self.ctx, self.plan.links_on(Ref("list", col.no, k)))
        body += self.accessibility.list_html()
        metas = column_metas(col, (col.no, k) not in self.plants.no_column_type)
        return document(self.ctx, f"{col.name}_{self.identity.name}", metas, body)

    def render_item(self, col: Column, index: int) -> str:
        item = self.factory.item(col, index)
        soft200 = self.plan.is_soft200(col.no, index)
        info = "" if col.undated else self.family.info_line(col, item)
        ref = Ref("item", col.no, index)
        files = [f.attachment for f in self.plants.files(ref)]
        extra = self.repairs.correct(ref, self.plants.extra_html(ref))
        body = item_body(self.ctx, col, item, info, soft200, extra, files)
        body += related_html(self.ctx, col, index, lambda c, i: self.factory.headline(c, i).title)
        body += planted_html(self.ctx, self.plan.links_on(ref))
        body += self.accessibility.article_html()
        spam = self.plants.title(ref)
        title = f"{spam}_{item.title}" if spam else item.title
        return document(self.ctx, f"{title}_{self.identity.name}", item_metas(col, item, self.plants.pub_date(ref)),
                        body)

    def render_fresh(self, item: Item) -> str:
        """The article of a fresh item a repair published (``sim.repairs``)."""
        col = item.column
        body = item_body(self.ctx, col, item, "" if col.undated else self.family.info_line(col, item), False)
        return document(self.ctx, f"{item.title}_{self.identity.name}", item_metas(col, item), body)

    def search_page(self, query: str) -> SimResponse:
        """The answer of the site's search endpoint (``sim.search``): results, nothing found, or an error."""
        status, title, body = self.search.answer(query, self.encoding, self._search_articles)
        if status != 200:
            return self.error(status)
        return self.html(document(self.ctx, f"{title}_{self.identity.name}", [], body))

    def _search_articles(self) -> Iterator[tuple[str, str]]:
        """(href, title) of every item page the search knows, column by column."""
        for col in self.columns:
            for index in range(col.items):
                head = self.factory.headline(col, index)
                yield self.ctx.href(self.layout.item_path(col, index, head.when)), head.title

    def dataproxy(self, params: dict[str, str]) -> SimResponse:
        """JCMS dataproxy.jsp: records ``startrecord``..``endrecord`` of a column (1-based)."""
        try:
            col_id = int(params.get("columnid", ""))
            start = max(1, int(params.get("startrecord", "1")))
            end = int(params.get("endrecord", str(start + 44)))
        except ValueError:
            return self.error(404)
        col = next((c for c in self.columns if c.jcms_id == col_id and not c.blank and not c.js), None)
        if col is None:
            return self.error(404)
        end = min(end, col.items, start + MAX_PROXY_RECORDS - 1)
        records = []
        for number in range(start, end + 1):
            item = self.factory.headline(col, number - 1)
            records.append(Jcms.record(self.ctx.href(self.layout.item_path(col, number - 1, item.when)), item,
                                       not col.undated))
        xml = ('<?xml version="1.0" encoding="utf-8"?>\n<datastore><totalrecord>'
               f"{col.items}</totalrecord><recordset>\n" + "\n".join(records) + "\n</recordset></datastore>\n")
        return SimResponse(body=xml.encode("utf-8"), content_type=XML_UTF8)

    def endpoint(self, col: Column) -> SimResponse:
        """The JSON endpoint of a script-filled column: every item, newest first, in one response.

        ``{"total": N, "items": [{"title", "url", "date"}]}``; ``url`` is a root-relative path
        (resolve it against the endpoint URL), ``date`` is ``YYYY-MM-DD``.
        """
        items = []
        for index in range(col.items):
            item = self.factory.headline(col, index)
            items.append({"title": item.title, "url": self.ctx.href(self.layout.item_path(col, index, item.when)),
                          "date": f"{item.when:%Y-%m-%d}"})
        body = json.dumps({"total": col.items, "items": items}, ensure_ascii=False, separators=(",", ":"))
        return SimResponse(body=body.encode("utf-8"), content_type=JSON_UTF8)

    def homepage_truth(self) -> tuple[list[tuple[str, date]], list[tuple[str, date]]]:
        """(shown, in window): distinct item URLs on the homepage with their dates, in page order, and
        those dated within the 2-week window (as_of - 14 days <= date <= as_of)."""
        as_of = self.options.day
        since = as_of - timedelta(days=HOME_WINDOW_DAYS)
        shown: dict[str, date] = {}
        for col, index in self.home_entries():
            when = col.item_when(index)
            shown.setdefault(self.url(self.layout.item_path(col, index, when)), when.date())
        within = [(u, d) for u, d in shown.items() if since <= d <= as_of]
        return list(shown.items()), within

    # -- internals ---------------------------------------------------------------
    def html(self, text: str, status: int = 200) -> SimResponse:
        return self._html_bytes(text.encode(self.encoding), status)

    def _html_bytes(self, body: bytes, status: int = 200) -> SimResponse:
        ctype = HTML_BARE if self.encoding == "gbk" else HTML_UTF8
        return SimResponse(status=status, body=body, content_type=ctype)

    def error(self, status: int) -> SimResponse:
        return self.html(error_page(self.ctx, status, _REASONS.get(status, "Error")), status)

    def _planted_page(self, path: str) -> SimResponse:
        link = self._planted_pages[path]
        body = f'<h1 class="title">{link.text}</h1>\n<div class="content"><p>{link.text}相关内容。</p></div>'
        return self.html(document(self.ctx, f"{link.text}_{self.identity.name}", [], body))

    def _repaired_target(self, path: str) -> SimResponse:
        """A repaired broken target (``sim.repairs``): a normal page, image or attachment."""
        link = self._planted_pages[path]
        if link.resource == "page":
            return self._planted_page(path)
        ext = path.rsplit(".", 1)[1]
        return SimResponse(body=resources.file_bytes(ext, f"govwatch sim {self.spec.id} repaired {link.text}"),
                           content_type=resources.CONTENT_TYPES[ext])

    def _fault(self, path: str, fault: str) -> SimResponse:
        if fault in ("404", "410", "500"):
            return self.error(int(fault))
        if fault == "soft404":
            return self.html(soft404_page(self.ctx))
        response = self._planted_page(path)
        response.fault = fault
        if fault == "slow":
            response.delay = self.options.slow_seconds
        elif fault == "slow_ok":
            response.delay = self.options.slow_ok_seconds
        elif fault == "retry429":
            response.headers["Retry-After"] = str(self.options.retry_after)
        return response

    def attachment_ext(self, col: Column, index: int, n: int) -> str | None:
        """The extension of attachment ``n`` of an item (its own or planted), or None when it has none."""
        own = next((att.ext for att in self.factory.item(col, index).attachments if att.n == n), None)
        if own is not None:
            return own
        planted = self.plants.files(Ref("item", col.no, index))
        return next((f.attachment.ext for f in planted if f.attachment.n == n), None)

    def file(self, ref: Ref) -> SimResponse:
        col = self._by_no[ref.col]
        item = self.factory.item(col, ref.index)
        if ref.kind == "image":
            if not 1 <= ref.n <= item.images:
                return self.error(404)
        elif not any(att.n == ref.n and att.ext == ref.ext for att in item.attachments):
            planted = self.plants.file(Ref("item", ref.col, ref.index), ref.n, ref.ext)
            if planted is None:
                return self.error(404)
            return SimResponse(body=planted.body(), content_type=resources.CONTENT_TYPES[ref.ext])
        body = resources.file_bytes(ref.ext, f"govwatch sim {self.spec.id} doc {item.docid} file {ref.n}", item.docid)
        return SimResponse(body=body, content_type=resources.CONTENT_TYPES[ref.ext])

    def _static(self, name: str) -> SimResponse:
        ext = name.rsplit(".", 1)[1]
        if ext == "css":
            body = resources.SITE_CSS.encode("utf-8")
        elif ext == "js":
            body = resources.JPAGE_JS.encode("utf-8")
        else:
            body = resources.file_bytes(ext, self.spec.id, len(self.spec.id) * 31)
        return SimResponse(body=body, content_type=resources.CONTENT_TYPES[ext])
