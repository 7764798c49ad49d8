"""Meta tags under their canonical names (网页设计规范, docs/sources.md §5)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["CANONICAL_META", "collect_meta"]

CANONICAL_META = (
    "SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ColumnDescription", "ColumnKeywords",
    "ColumnType", "ArticleTitle", "PubDate", "ContentSource", "Keywords", "Description", "Author",
    "Image", "Url",
)
_BY_LOWER = {name.lower(): name for name in CANONICAL_META}


def collect_meta(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    """``(meta, meta_variants)`` from ``(name as written, content)`` pairs in document order.

    Canonical names are matched case-insensitively and keep their first value; other names
    keep their written form (also first value). ``meta_variants`` maps a canonical name to
    the spelling that supplied its value when that spelling differs.
    """
    meta: dict[str, str] = {}
    variants: dict[str, str] = {}
    for written, content in pairs:
        canonical = _BY_LOWER.get(written.lower())
        key = canonical or written
        if key in meta:
            continue
        meta[key] = content
        if canonical is not None and written != canonical:
            variants[canonical] = written
    return meta, variants
