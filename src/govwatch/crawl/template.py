"""Site-template links: the navigation and footer links that every page of a site repeats.

On a government site most of a page's links are its template (nav, 友情链接, footer: 24 of
~26 per page on the simulated sites); storing them once per run instead of once per page
is most of the link table. :class:`LinkTemplate` learns the links common to the first
pages, then splits each page's links into "the template" and the page's own. A page
uses the template only when it holds *every* template link exactly (same URL, text, kind,
tag and via), so its stored links are exactly its own links plus the template's — a page
that does not is stored whole, as before. See ``store.writer`` for how it is stored.
"""

from __future__ import annotations

from collections.abc import Iterable

from govwatch.core.model import Link

# A link as stored: (url, text, stored kind, tag, via), unique per (url, kind) on a page.
LinkRow = tuple[str, str, str, str, str]


class LinkTemplate:
    """The links shared by the pages of one site, learned from the first pages crawled.

    Learning: the first page with at least ``min_links`` links is the candidate; each later
    page sharing at least ``min_links`` links with it narrows it to what they share; after
    ``agree`` such pages the template is fixed. ``agree`` pages in a row that share too little
    start the learning again from the latest one (the first page was not typical).
    """

    def __init__(self, *, agree: int = 3, min_links: int = 8, links: Iterable[Link] | None = None) -> None:
        self.agree = agree
        self.min_links = min_links
        self._candidate: set[LinkRow] | None = None
        self._agreed = 0
        self._misses = 0
        self.rows: frozenset[LinkRow] = frozenset()
        self.links: tuple[Link, ...] = ()
        if links is not None:  # a stored template (resumed crawl): used as it is
            self._fix({(ln.url, ln.text, ln.kind, ln.tag, ln.via) for ln in links})

    @property
    def fixed(self) -> bool:
        """The template is known (learned, or given)."""
        return bool(self.rows)

    def own_links(self, rows: list[LinkRow]) -> list[LinkRow] | None:
        """A page's links less the template's when the page holds the whole template, else None.

        ``rows`` are the page's stored links (unique per URL and kind). A page seen while the
        template is still being learned is used to learn it, and None is returned.
        """
        if not self.rows:
            self._learn(rows)
            return None
        template = self.rows
        if len(rows) < len(template):
            return None
        own = [row for row in rows if row not in template]
        return own if len(rows) - len(own) == len(template) else None

    def _learn(self, rows: list[LinkRow]) -> None:
        if len(rows) < self.min_links:
            return
        if self._candidate is None:
            self._candidate = set(rows)
            return
        common = self._candidate.intersection(rows)
        if len(common) < self.min_links:
            self._misses += 1
            if self._misses >= self.agree:
                self._candidate, self._agreed, self._misses = set(rows), 0, 0
            return
        self._candidate, self._misses = common, 0
        self._agreed += 1
        if self._agreed >= self.agree:
            self._fix(common)

    def _fix(self, rows: set[LinkRow]) -> None:
        self.rows = frozenset(rows)
        self.links = tuple(Link(url=u, text=t, kind=k, tag=g, via=v)  # type: ignore[arg-type]
                           for u, t, k, g, v in sorted(rows))
        self._candidate = None
