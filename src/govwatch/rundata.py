"""RunData: what checks and analysis may read of one run — the contract below the checks.

The base class holds everything in memory (tests, case files); the store gives a subclass
(:class:`govwatch.store.stored_run.StoreRunData`) that reads pages, links and bodies lazily, so a
100,000-page run is never loaded whole. Nothing here touches the network or the store; facts
derived from the whole run (columns, text hits) are computed by the analysis layer and kept
with :meth:`RunData.derived`.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar, cast, overload

from govwatch.core.clock import SHANGHAI
from govwatch.core.siteconfig import SiteConfig
from govwatch.core.urls import Scope
from govwatch.rules import RuleSet, load_ruleset
from govwatch.rules.reads import note, recording

T = TypeVar("T")


@dataclass(slots=True)
class LinkTarget:
    """A URL that pages link to, with how many links point at it."""

    url: str
    kind: str
    links: int


class LinkTargets(Sequence[LinkTarget]):
    """Link targets kept compactly (a 100,000-page run has hundreds of thousands): the URL strings
    (which the caller may share with others), each distinct kind once, the counts in an array. An
    item read is a new :class:`LinkTarget`; changing it changes nothing here."""

    __slots__ = ("_counts", "_kind_codes", "_kinds", "_urls")

    def __init__(self) -> None:
        self._urls: list[str] = []
        self._kinds: list[str] = []
        self._kind_codes = array("B")
        self._counts = array("q")

    def append(self, url: str, kind: str, links: int) -> None:
        if kind in self._kinds:
            code = self._kinds.index(kind)
        else:
            code = len(self._kinds)
            self._kinds.append(kind)
            if code > 255:
                self._kind_codes = array("I", self._kind_codes)
        self._urls.append(url)
        self._kind_codes.append(code)
        self._counts.append(links)

    def __len__(self) -> int:
        return len(self._urls)

    @overload
    def __getitem__(self, index: int) -> LinkTarget: ...

    @overload
    def __getitem__(self, index: slice) -> list[LinkTarget]: ...

    def __getitem__(self, index: int | slice) -> LinkTarget | list[LinkTarget]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return LinkTarget(self._urls[index], self._kinds[self._kind_codes[index]], self._counts[index])

    def __iter__(self) -> Iterator[LinkTarget]:
        kinds = self._kinds
        for url, code, links in zip(self._urls, self._kind_codes, self._counts, strict=True):
            yield LinkTarget(url, kinds[code], links)


def fetched(row: Mapping[str, Any]) -> bool:
    """A fetch row of a URL that came with success: no error, no HTTP status of 400 or more."""
    return not row.get("error") and (row.get("status") or 0) < 400


class RunData:
    """What checks may read of a run: fetches, extracted pages, links.

    This base class holds everything in memory (tests, case files); the store
    gives a subclass that reads pages and links lazily, so a 100,000-page run is
    never loaded whole.
    """

    def __init__(self, *, site_url: str, scope: Scope, as_of: date, fetches: Mapping[str, Mapping[str, Any]],
                 pages: dict[str, dict[str, Any]] | None = None,
                 links: list[tuple[str, str, str, str, str]] | None = None,
                 homepage_urls: frozenset[str] | None = None, rules: RuleSet | None = None,
                 site_config: SiteConfig | None = None, probes: list[dict[str, Any]] | None = None,
                 bodies: dict[str, bytes] | None = None, facts: dict[str, dict[str, Any]] | None = None,
                 baseline: RunData | None = None, registered_site: dict[str, Any] | None = None) -> None:
        self.site_url = site_url  # the homepage URL as inspected (normalised)
        # The registry's record of the site (name, site_code, org ...) when it is registered:
        # the authority on the site's identity, whatever its footer shows.
        self.registered_site = registered_site
        self.scope = scope
        self.as_of = as_of
        self.rules = rules or load_ruleset()
        self.site_config = site_config or SiteConfig()
        self._probes = probes
        self.fetches = fetches  # url -> fetch row (status, error, error_detail, role, kind, soft_404, fetched_at ...)
        self._pages = pages or {}
        self._links = links or []  # (source, target, kind, text, via)
        self.homepage_urls = homepage_urls or frozenset({site_url})
        self._targets: Sequence[LinkTarget] | None = None
        self._derived: dict[str, Any] = {}  # analysis results computed once (derived)
        self._derived_reads: dict[str, frozenset[str]] = {}  # the rule-table sections each one read
        self.restored: set[str] = set()  # analyses taken from the store (stored_analysis), not computed
        self._homepage: tuple[dict[str, Any] | None] | None = None
        self._bodies = bodies or {}  # url -> stored body (in-memory runs)
        self._facts = facts  # name -> what a post-crawl site measurement found (govwatch.crawl.sitefacts)
        self._baseline = baseline  # the site's previous completed run (in-memory runs: given)
        self._baseline_known = baseline is not None  # the store looks its baseline up once, lazily

    def is_homepage(self, url: str) -> bool:
        return url in self.homepage_urls

    def place(self, url: str) -> tuple[int, str]:
        """``url``'s place in an order the crawl cannot change: its depth (unknown: last), then the URL.
        Concurrent fetches finish in any order, so a sample or a group's example pages taken in crawl
        order (and a finding naming the first of them) would differ from run to run."""
        depth = (self.fetches.get(url) or {}).get("depth")
        return (depth if depth is not None else 1 << 30, url)

    def fetched_on(self, url: str) -> date | None:
        """The day (Asia/Shanghai) the crawl fetched ``url``, from its fetch row's ``fetched_at`` (an
        ISO time; without an offset it is taken as Shanghai time); None when the row has none."""
        stamp = (self.fetches.get(url) or {}).get("fetched_at")
        if not stamp:
            return None
        moment = datetime.fromisoformat(str(stamp))
        return (moment.astimezone(SHANGHAI) if moment.tzinfo else moment).date()

    def future_after(self, url: str) -> date:
        """Dates shown on ``url`` after this day are in the future (a forged date): the later of the
        day the page was fetched and the inspection day. A page is judged against the moment it was
        seen: an article dated after an earlier ``--as-of`` but before the crawl is real, it only
        lies outside the inspection period. Without a fetch time the inspection day is the limit."""
        fetched = self.fetched_on(url)
        return max(fetched, self.as_of) if fetched else self.as_of

    def homepage(self) -> dict[str, Any] | None:
        """Stored facts of the homepage, when it was crawled (read once)."""
        if self._homepage is None:
            self._homepage = (next((p for u in self.homepage_urls if (p := self.page(u)) is not None), None),)
        return self._homepage[0]

    def page(self, url: str) -> dict[str, Any] | None:
        return self._pages.get(url)

    def derived(self, name: str, compute: Callable[[RunData], T]) -> T:
        """A fact the analysis layer derives from the whole run (columns, homepage updates, text
        hits), computed by ``compute`` on first use and kept for the run's other readers. The rule-table
        sections the computation read count as read by every reader (rules/reads.py)."""
        if name not in self._derived:
            with recording() as reads:
                self._derived[name] = compute(self)
            self._derived_reads[name] = frozenset(reads)
        else:
            note(self._derived_reads[name])
        return cast(T, self._derived[name])

    def stored_analysis(self, name: str, decode: Callable[[Any], T]) -> T | None:
        """The whole-run analysis ``name`` as stored with the run, ``decode``-d from its JSON, when
        the rule table agrees with the run's stored one on every section the analysis read (those
        then count as read). None, and the analysis is computed: none stored (in-memory runs, runs
        checked before the store kept analyses), the table differs there, or ``decode`` raised
        KeyError, TypeError or ValueError (a payload of another layout)."""
        return None

    def computed(self) -> dict[str, tuple[Any, frozenset[str]]]:
        """The analyses computed here (not restored), each with the rule-table sections it read."""
        return {name: (value, self._derived_reads[name]) for name, value in self._derived.items()
                if name not in self.restored}

    def probes(self) -> list[dict[str, Any]]:
        """The site's stored probe visits (rows of the ``probes`` table) in the rule table's
        availability window ending at the inspection time, oldest first."""
        return self._probes or []

    def run_fact(self, name: str) -> dict[str, Any] | None:
        """What the post-crawl site measurement ``name`` measured (``transport``, ``ipv6``, ``cloaking``:
        :mod:`govwatch.crawl.sitefacts`); None when it did not run."""
        return (self._facts or {}).get(name)

    def pages(self, page_type: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """Stored facts of crawled pages (of one ``page_type`` when given), in crawl order."""
        for url, facts in self._pages.items():
            if page_type is None or facts.get("page_type") == page_type:
                yield url, facts

    def link_targets(self) -> Sequence[LinkTarget]:
        """Every distinct link target with its kind and number of links (computed once)."""
        if self._targets is None:
            self._targets = self._load_link_targets()
        return self._targets

    def link_target_rows(self) -> Iterator[tuple[LinkTarget, Mapping[str, Any] | None]]:
        """Every distinct link target (as :meth:`link_targets`) with its fetch row (None: not
        fetched), in no set order: the store reads both in one pass, holding neither."""
        for target in self.link_targets():
            yield target, self.fetches.get(target.url)

    def _load_link_targets(self) -> Sequence[LinkTarget]:
        counts: dict[str, LinkTarget] = {}
        for _source, target, kind, _text, _via in self._links:
            entry = counts.get(target)
            if entry is None:
                counts[target] = LinkTarget(target, kind, 1)
            else:
                entry.links += 1
        return list(counts.values())

    def links_to(self, targets: set[str]) -> list[tuple[str, str, str, str, str]]:
        """(source, target, kind, text, via) of every link to one of ``targets``."""
        return [link for link in self._links if link[1] in targets]

    def tagged_links(self, tags: Iterable[str], target_prefix: str = "") -> list[tuple[str, str, str]]:
        """Distinct (target, kind, tag) of the run's links made by one of the HTML ``tags`` (``img``,
        ``script`` ...: what a page loads, not only links to) whose target starts with ``target_prefix``.
        In-memory runs: a link's tag is the one the ``links`` kept in its source page's facts give
        its target (as extraction found it), else ``a``."""
        wanted = set(tags)
        page_tags: dict[str, dict[str, str]] = {}  # source -> target -> tag
        found: dict[tuple[str, str, str], None] = {}
        for source, target, kind, _text, _via in self._links:
            if not target.startswith(target_prefix):
                continue
            if source not in page_tags:
                page_tags[source] = {}
                for link in (self.page(source) or {}).get("links") or ():
                    page_tags[source].setdefault(link["url"], link.get("tag") or "a")
            tag = page_tags[source].get(target, "a")
            if tag in wanted:
                found[(target, kind, tag)] = None
        return list(found)

    def body(self, url: str) -> bytes | None:
        """The stored body of ``url`` (a page, or an attachment: the crawl keeps those), if any."""
        return self._bodies.get(url)

    def bodies(self, urls: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """(url, stored body) of those of ``urls`` that have one, in the order given."""
        for url in urls:
            body = self.body(url)
            if body is not None:
                yield url, body

    def page_bodies(self) -> Iterator[tuple[str, str, bytes, str]]:
        """(url, stored title, body, content type) of every crawled page with a stored body, in
        crawl order."""
        for url, facts in self.pages():
            body = self.body(url)
            if body is not None:
                yield url, facts.get("title") or "", body, (self.fetches.get(url) or {}).get("content_type") or ""

    def page_scans(self) -> Iterator[tuple[str, str, str | None, bytes | None, str]]:
        """(url, stored title, text hits, body, content type) of every crawled page with a stored body,
        in crawl order: ``text hits`` is what the crawl's page text scan stored with the page ("" when
        it found nothing) and then ``body`` is None (not read); a page stored without them (None) comes
        with its body. An in-memory run stores no hits: every page comes with its body."""
        for url, title, body, content_type in self.page_bodies():
            yield url, title, None, body, content_type

    def baseline(self) -> RunData | None:
        """The site's previous completed run as checks see it (the tampering baseline), or None."""
        return self._baseline

    def baseline_run(self) -> dict[str, Any] | None:
        """``{"id", "as_of"}`` of the baseline run (``id`` None for an in-memory one), or None."""
        base = self.baseline()
        if base is None:
            return None
        return {"id": getattr(base, "run_id", None), "as_of": base.as_of.isoformat()}

    def baseline_page(self, url: str) -> dict[str, Any] | None:
        """Stored facts of ``url`` in the baseline run, if it was crawled then."""
        base = self.baseline()
        return base.page(url) if base is not None else None

    def baseline_body(self, url: str) -> bytes | None:
        """The stored body of ``url`` in the baseline run, if any."""
        base = self.baseline()
        return base.body(url) if base is not None else None

    def links_from(self, sources: Iterable[str]) -> dict[str, list[tuple[str, str, str]]]:
        """(target, tag, text) of every link on each of ``sources`` (template links included),
        in one read. In-memory runs: their link list plus the ``links`` kept in page facts."""
        wanted = set(sources)
        out: dict[str, list[tuple[str, str, str]]] = {url: [] for url in wanted}
        for source, target, kind, text, _via in self._links:
            if source in wanted:
                out[source].append((target, "a" if kind in ("page", "attachment") else kind, text))
        for url in wanted:
            for link in (self.page(url) or {}).get("links") or ():
                out[url].append((link["url"], link.get("tag") or "a", link.get("text") or ""))
        return out

    def fetch_rows(self, role: str, kind: str | None = None) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(url, fetch row) of the fetches of ``role`` (``page``, ``resource``), of ``kind`` when
        given, in crawl order (the store reads only those)."""
        for url, row in self.fetches.items():
            if row.get("role") == role and (kind is None or row.get("kind") == kind):
                yield url, row

    def attachments(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(url, fetch row) of every attachment fetched with success (role resource, kind attachment);
        the row's ``filename`` is the file name its ``Content-Disposition`` gave, or None."""
        for url, row in self.fetch_rows("resource", "attachment"):
            if fetched(row):
                yield url, row

    def attachment_links(self) -> Iterator[tuple[str, Mapping[str, Any], list[tuple[str, str]]]]:
        """(url, fetch row, links) of every attachment of :meth:`attachments`, in crawl order, with
        the (source, text) of every link to it, ordered by source, then text (a link of a stored
        run's site template counts once per page holding it). The store streams them: neither the
        attachments nor their links are ever held all at once."""
        attachments = list(self.attachments())
        linking: dict[str, list[tuple[str, str]]] = {}
        for source, target, _kind, text, _via in self.links_to({url for url, _row in attachments}):
            linking.setdefault(target, []).append((source, text))
        for url, row in attachments:
            yield url, row, sorted(linking.get(url, ()))
