"""The real-page corpus (``../shared/corpus/real-pages``): manifest entries with their stored bytes.

Shared by the corpus benchmarks (``extract_corpus.py``, ``identity_corpus.py``) and the tests
that run their scoring. The corpus README describes the truth fields.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_CORPUS", "CorpusError", "CorpusPage", "Tally", "jiucuo_truth_codes", "load_corpus"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "real-pages"


class CorpusError(Exception):
    """The corpus is missing or its manifest cannot be read."""


@dataclass(frozen=True, slots=True)
class CorpusPage:
    """One manifest line and the bytes of its page."""

    file: str
    entry: dict[str, Any]
    body: bytes

    @property
    def truth(self) -> dict[str, Any]:
        return self.entry.get("truth") or {}

    @property
    def page_type(self) -> str:
        return self.entry.get("page_type", "")

    @property
    def url(self) -> str:
        """A URL on the page's own site (extraction resolves links against it)."""
        return f"http://{self.entry.get('site') or 'example.gov.cn'}/corpus/{self.file}"


def load_corpus(corpus: Path | str) -> list[CorpusPage]:
    """Every page of ``corpus/manifest.jsonl``, in manifest order; :class:`CorpusError` if unreadable."""
    corpus = Path(corpus)
    manifest = corpus / "manifest.jsonl"
    if not manifest.is_file():
        raise CorpusError(f"no corpus at {corpus} (expected {manifest})")
    pages: list[CorpusPage] = []
    for n, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            file = entry["file"]
        except (ValueError, KeyError, TypeError) as exc:
            raise CorpusError(f"{manifest}:{n}: not a manifest entry ({exc})") from None
        path = corpus / "pages" / file
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise CorpusError(f"{manifest}:{n}: cannot read {path} ({exc.strerror})") from None
        pages.append(CorpusPage(file=file, entry=entry, body=body))
    return pages


class Tally:
    """Counts and mismatches per field."""

    def __init__(self) -> None:
        self.ok: dict[str, int] = defaultdict(int)
        self.total: dict[str, int] = defaultdict(int)
        self.misses: list[tuple[str, str, object, object]] = []

    def check(self, file: str, field: str, expected: object, got: object, ok: bool) -> None:
        self.total[field] += 1
        if ok:
            self.ok[field] += 1
        else:
            self.misses.append((file, field, expected, got))


def jiucuo_truth_codes(entry: dict[str, Any]) -> list[str]:
    """The site codes a truth ``footer.jiucuo_entry`` names (scripts, placeholders, exposure links)."""
    codes: list[str] = []
    for key in ("jiucuo_js_sitecode", "js_placeholder_sitecode", "other_site_code"):
        codes += entry.get(key) or []
    codes += [x["site_code"] for x in entry.get("exposure_links") or [] if x.get("site_code")]
    return list(dict.fromkeys(codes))
