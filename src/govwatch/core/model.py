"""Value types shared by crawl, extract, checks, store and report.

These are plain dataclasses: no I/O, no behaviour beyond small derived helpers.
The JSON contracts in ``govwatch/schemas`` are built from them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

PageType = Literal["home", "list", "article", "message", "guide", "other"]
# Kind of a link as extraction sees it (scope-independent). The crawler turns
# off-site targets into "external" when it stores them.
LinkKind = Literal["page", "image", "attachment", "script", "style", "frame", "external"]
# Fetch error classes (DESIGN principle 5). ``None`` means success.
ErrorClass = Literal[
    "dns", "connect", "connect_timeout", "reset", "tls", "timeout", "http", "too_large", "decode", "rate_limited",
    "redirect_loop", "too_many_redirects", "invalid_url", "trap", "robots", "unverifiable", "blocked_address",
    "other",
]

# Detail prefix of a ``dns`` error that says our resolver, not the link, failed.
TEMPORARY_DNS = "temporary DNS failure"


@dataclass(slots=True)
class Link:
    """One outgoing reference found on a page."""

    url: str  # absolute, normalised
    text: str  # anchor text, alt text or title; "" when none
    kind: LinkKind
    tag: str  # a, img, script, link, iframe, area, source, embed, object, form, xml-record
    via: str = "html"  # html | pagination | xml-record | dataproxy


@dataclass(slots=True)
class ListItem:
    """One dated (or undated) entry of a list block."""

    title: str
    url: str | None
    date: date | None
    date_text: str = ""  # the date as shown, e.g. "[03-05]" or "2024年3月5日"
    date_source: str = ""  # text | url | page | neighbour | "" when undated


@dataclass(slots=True)
class ListBlock:
    """A group of list items: a list page's main list or a homepage column block."""

    heading: str
    items: list[ListItem]
    more_url: str | None = None  # the block's 更多 link, when it has one
    source: str = "static"  # static | xml-records | dataproxy | endpoint | rendered


@dataclass(slots=True)
class Pagination:
    """How a list continues beyond this page."""

    kind: str  # links | createPageHTML | xml-dataproxy | none
    page_urls: list[str] = field(default_factory=list)  # every further page or endpoint URL
    total_pages: int | None = None
    total_records: int | None = None


@dataclass(slots=True)
class Footer:
    """The identity block at the foot of a page (页面底部功能区)."""

    site_code: str | None = None
    icp: str | None = None
    police_record: str | None = None
    sponsor: str | None = None
    contact: str | None = None
    conac: bool = False
    jiucuo_site_code: str | None = None
    jiucuo_govcn: bool = False  # a 找错 link to www.gov.cn's own page, which carries no site code


@dataclass(slots=True)
class PageFacts:
    """Everything extraction understood of one page."""

    url: str
    page_type: PageType
    title: str
    publish_date: date | None
    meta: dict[str, str]  # canonical meta name -> first value
    meta_variants: dict[str, str]  # canonical name -> name as written, when the case differs
    links: list[Link]
    lists: list[ListBlock]
    pagination: Pagination
    footer: Footer
    text_excerpt: str = ""  # the first part of the visible text, for evidence
    soft_404: bool = False  # a 200 page that says the page does not exist
    warnings: list[str] = field(default_factory=list)
    encoding: str = ""  # the character encoding the body was decoded with
    nav: list[tuple[str, str]] = field(default_factory=list)  # (text, url) of the site navigation
    breadcrumb: list[tuple[str, str | None]] = field(default_factory=list)  # (text, url|None), root first
    endpoints: list[str] = field(default_factory=list)  # data URLs (JSON/XML) the page's scripts load
    needs_render: bool = False  # an empty list container that inline scripts fill (render or read endpoint)
    footer_by_script: bool = False  # no footer identity in the markup, and scripts that may write it
    hidden_links: list[HiddenLink] = field(default_factory=list)  # off-host links a visitor does not see
    embeds: list[Embed] = field(default_factory=list)  # off-host scripts and frames (not benign hosts)


@dataclass(slots=True)
class HiddenLink:
    """An off-host link hidden from visitors (暗链 candidate; ``govwatch.extract.security_signs``)."""

    url: str
    text: str
    reason: str  # display_none | visibility_hidden | offscreen | zero_size | zero_font | same_colour
    #              | transparent | marquee | script_written
    css: str = ""  # what hides it, as written: "display:none", ".x{display:none}", "<marquee height=1>"
    selector: str = ""  # the page stylesheet's selector that hides it ("" for inline style or attributes)
    script: bool = False  # written by an inline script (document.write, innerHTML)
    interactive: bool = False  # the hidden box looks toggled by the page (tab panel, hover menu)


@dataclass(slots=True)
class Embed:
    """An off-host script or frame that the page loads (``govwatch.extract.security_signs``)."""

    tag: str  # script | iframe | frame
    url: str
    hidden: str = ""  # a frame's hiding reason (zero_size, display_none, ...); "" when visible
    script: bool = False  # created or written by an inline script


@dataclass(slots=True)
class FetchResult:
    """The outcome of one HTTP exchange, successful or not (never an exception)."""

    url: str
    final_url: str
    method: str
    status: int | None
    error: ErrorClass | None
    error_detail: str
    content_type: str
    headers: dict[str, str]
    body: bytes
    elapsed_ms: float
    first_byte_ms: float | None = None
    redirects: list[str] = field(default_factory=list)
    attempts: int = 1
    encoding: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 400


@dataclass(slots=True)
class Finding:
    """One problem found by a check. ``fingerprint`` is stable across runs."""

    kind: str
    code: str
    indicator: str
    url: str
    message: str
    evidence: dict[str, Any]
    source: str | None = None
    target: str | None = None
    severity: str = "error"  # error | warning | info

    @property
    def fingerprint(self) -> str:
        """Identity across runs: what is wrong and where, not how it was classified this time."""
        key = "\x1f".join([self.kind, self.url, self.source or "", self.target or ""])
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


@dataclass(slots=True)
class PreparedPage:
    """One page ready to store, in a form cheap to send between processes.

    Everything CPU-heavy about storing a page (extraction, the facts' JSON text,
    the body's hash and compression) is done here, off the event loop.
    """

    page_type: str
    title: str
    publish_date: str | None
    facts_json: str  # pages.facts: the Extract JSON less links (own table) and items (repeats lists)
    links: list[tuple[str, str, str, str, str]]  # (url, text, kind, tag, via)
    pagination: list[str]
    encoding: str
    soft_404: bool
    body_hash: str
    body_size: int
    body_zstd: bytes
    needs_render: bool = False  # inline scripts fill an empty list: render the page if rendering is on
    footer_by_script: bool = False  # scripts may write the footer: render it (a few pages a crawl)
    # pages.text_hits: what the crawl's page text scan found (crawl/extractor.py TextScan; "" = nothing),
    # None when the page was not scanned at extraction (the checks then scan its stored body)
    text_hits: str | None = None
