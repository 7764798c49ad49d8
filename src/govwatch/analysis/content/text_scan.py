"""One pass over a page's visible text: wording lexicon, typos, banned terms, personal data.

The content checks (``checks/content.py``) and the personal-data check (``checks/privacy.py``)
judge the same decoded text. :func:`scan_text` runs every scanner over one
:class:`~govwatch.extract.text.PageText` and keeps only the hits, as evidence dicts with a little
context; what is kept in memory is the hits, not the text.

The scan runs once per page, during the crawl: the pipeline hands :func:`scan_body` (bound to the
run's inspection date) to the crawl's extraction workers, which store its :func:`hits_text` with the
page (``pages.text_hits``). :func:`text_hits_of` reads those stored hits and scans the stored body only
of pages that have none (runs stored before migration 0016, a scan that failed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

from govwatch.analysis.content.lexicon import banned_matcher
from govwatch.analysis.content.personal import find_personal
from govwatch.analysis.content.wording import find_typos, wording_lexicon
from govwatch.extract.text import PageText, page_text_from_body
from govwatch.rundata import RunData

CONTEXT = 12  # characters of context either side in evidence
MAX_EXAMPLES = 5  # masked personal-data examples kept per page or attachment


@dataclass(slots=True)
class PersonalHits:
    """Personal data found: counts per type and up to five masked examples."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, str]] = field(default_factory=list)

    def plus(self, other: PersonalHits) -> PersonalHits:
        """These hits followed by ``other``'s (counts added, examples up to five, no repeats)."""
        seen = {e["value"] for e in self.examples}
        extra = [e for e in other.examples if e["value"] not in seen]
        return PersonalHits(self.counts + other.counts, (self.examples + extra)[:MAX_EXAMPLES])


@dataclass(slots=True)
class TextHits:
    """Everything the content scanners found on one page (empty lists when clean)."""

    title: str
    wording: list[dict[str, Any]]
    typos: list[dict[str, Any]]
    banned: list[dict[str, Any]]
    personal: PersonalHits

    def __bool__(self) -> bool:
        return bool(self.wording or self.typos or self.banned or self.personal.counts)


def excerpt(text: str, start: int, length: int) -> str:
    """The found text with a little context, whitespace collapsed."""
    s = text[max(0, start - CONTEXT):start + length + CONTEXT]
    return " ".join(s.split())


def wording_hits(text: PageText) -> list[dict[str, Any]]:
    """Near-misses of canonical phrases, one entry per distinct wrong phrase (with a count)."""
    lexicon = wording_lexicon()
    seen: dict[str, dict[str, Any]] = {}
    for where, body in (("title", text.title), ("text", text.text)):
        for m in lexicon.scan(body):
            entry = seen.get(m.found)
            if entry is not None:
                entry["count"] += 1
                continue
            seen[m.found] = {"found": m.found, "expected": m.expected, "serious": m.serious,
                             "category": m.category, "how": m.how, "error_class": m.error_class, "where": where,
                             "context": excerpt(body, m.start, len(m.found)), "count": 1}
    return list(seen.values())


def typo_hits(text: PageText) -> list[dict[str, Any]]:
    """Confusion-set typos, one entry per distinct typo (with a count)."""
    typos: dict[str, dict[str, Any]] = {}
    for where, body in (("title", text.title), ("text", text.text)):
        for t in find_typos(body):
            entry = typos.get(t.found)
            if entry is not None:
                entry["count"] += 1
                continue
            typos[t.found] = {"found": t.found, "expected": t.expected, "where": where,
                              "context": excerpt(body, t.start, len(t.found)), "count": 1}
    return list(typos.values())


def banned_hits(text: PageText) -> list[dict[str, Any]]:
    """Banned terms in the title, text and link texts, one entry per distinct term."""
    matcher = banned_matcher()
    found: dict[str, dict[str, Any]] = {}
    sources = [("title", text.title), ("text", text.text), *(("link", t) for t in text.link_texts)]
    for where, body in sources:
        for start, _end, term, (category, label) in matcher.iter(body):
            entry = found.get(term)
            if entry is None:
                entry = found[term] = {"term": term, "category": category, "label": label, "where": [],
                                       "context": excerpt(body, start, len(term)), "count": 0}
            if where not in entry["where"]:
                entry["where"].append(where)
            if where != "link":  # link texts are part of the text: counted once
                entry["count"] += 1
    for entry in found.values():
        entry["count"] = max(entry["count"], 1)
    return list(found.values())


def personal_hits(segments: Iterable[tuple[str, str]], as_of: date) -> PersonalHits:
    """Counts per type and up to five masked examples over (context kind, text) segments."""
    hits = PersonalHits()
    seen: set[str] = set()
    for context, text in segments:
        for match in find_personal(text, as_of):
            hits.counts[match.kind] += 1
            if len(hits.examples) < MAX_EXAMPLES and match.masked not in seen:
                seen.add(match.masked)
                hits.examples.append({"type": match.kind, "value": match.masked, "context": context})
    return hits


def scan_text(text: PageText, as_of: date) -> TextHits:
    """Run every content scanner over one page's text."""
    return TextHits(title=text.title, wording=wording_hits(text), typos=typo_hits(text),
                    banned=banned_hits(text),
                    personal=personal_hits([("text", text.title), *text.segments], as_of))


def hits_text(hits: TextHits) -> str:
    """``hits`` as stored with the page (compact JSON; "" when the scanners found nothing: a clean
    page, most of a site, costs nothing to read back)."""
    if not hits:
        return ""
    return orjson.dumps({"title": hits.title, "wording": hits.wording, "typos": hits.typos, "banned": hits.banned,
                         "personal": {"counts": dict(hits.personal.counts),
                                      "examples": hits.personal.examples}}).decode("utf-8")


def hits_from_text(text: str) -> TextHits | None:
    """The hits :func:`hits_text` stored, or None when there were none."""
    if not text:
        return None
    data = orjson.loads(text)
    personal = data["personal"]
    return TextHits(title=data["title"], wording=data["wording"], typos=data["typos"], banned=data["banned"],
                    personal=PersonalHits(Counter(personal["counts"]), personal["examples"]))


def scan_body(body: bytes, content_type: str, as_of: date) -> str:
    """The stored form (:func:`hits_text`) of every scanner's hits in one page body, decoded and
    cut as extraction reads it. The crawl's ``TextScan`` (crawl/extractor.py): the pipeline binds
    ``as_of`` and the extraction workers call it with each page they extract."""
    return hits_text(scan_text(page_text_from_body(body, content_type), as_of))


class StoredHits:
    """The pages with hits, as (url, stored title, :class:`TextHits`) when iterated: each page's hits
    are held as their stored JSON text and decoded as they are read (at 100,000 pages, the 1,606
    pages with hits held 2.0 MB as objects, 0.5 MB as text, all through the checks)."""

    __slots__ = ("_pages",)

    def __init__(self, pages: list[tuple[str, str, str]]) -> None:
        self._pages = pages  # (url, title, hits_text)

    def __iter__(self) -> Iterator[tuple[str, str, TextHits]]:
        for url, title, text in self._pages:
            hits = hits_from_text(text)
            if hits:
                yield url, title, hits


def _scan_pages(data: RunData) -> tuple[int, StoredHits]:
    read = 0
    found: list[tuple[str, str, str]] = []
    for url, title, stored, body, content_type in data.page_scans():
        read += 1
        text = stored if stored is not None else hits_text(scan_text(page_text_from_body(body or b"", content_type),
                                                                     data.as_of))
        if text:
            found.append((url, title, text))
    return read, StoredHits(found)


def text_hits_of(data: RunData) -> tuple[int, StoredHits]:
    """Every page's visible text scanned once by all scanners (:func:`scan_text`): (pages read, the
    pages with any hit, read as (url, stored title, hits): :class:`StoredHits`). The hits the crawl
    stored with each page are read back; a page stored without them has its body scanned now.
    Computed once per run; only the hits are kept."""
    return data.derived("text_hits", _scan_pages)
