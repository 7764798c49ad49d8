"""Crawler-trap guards: stop URL spaces that never end.

Calendars that link to the next month forever, query strings that grow on every
link, paths that repeat their own segments, and endless variants of one path
(query strings, or ``;param=value`` path parameters: ``/page.jsp;token=<new id>``)
are cut off. Pagination URLs a list page declares itself are exempt from the
per-path variant cap (their count is bounded by the list's own record total).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from urllib.parse import parse_qsl, urlsplit

MAX_REPEATED_QUERY_KEY = 3
MAX_REPEATED_SEGMENT = 3
MAX_QUERY_LENGTH = 400
_PATH_PARAMS = re.compile(r";[^/]*")  # the ``;param=value`` parameters of a path segment


class TrapGuard:
    """Decides whether a URL looks like part of a crawler trap."""

    def __init__(self, max_url_length: int, max_query_variants: int) -> None:
        self.max_url_length = max_url_length
        self.max_query_variants = max_query_variants
        self._variants: dict[str, int] = defaultdict(int)

    def reason(self, url: str, via: str = "html") -> str | None:
        """Why ``url`` is refused, or None when it may be crawled. Counts accepted variants."""
        if len(url) > self.max_url_length:
            return f"URL longer than {self.max_url_length} characters"
        parts = urlsplit(url)
        segments = [s for s in parts.path.split("/") if s]
        if segments:
            seg, count = Counter(segments).most_common(1)[0]
            if count > MAX_REPEATED_SEGMENT:
                return f"path repeats the segment {seg!r} {count} times"
        if parts.query:
            if len(parts.query) > MAX_QUERY_LENGTH:
                return f"query string longer than {MAX_QUERY_LENGTH} characters"
            keys = Counter(k for k, _ in parse_qsl(parts.query, keep_blank_values=True))
            if keys:
                key, count = keys.most_common(1)[0]
                if count > MAX_REPEATED_QUERY_KEY:
                    return f"query repeats the parameter {key!r} {count} times"
        bare = _PATH_PARAMS.sub("", parts.path) if ";" in parts.path else parts.path
        if (parts.query or bare != parts.path) and via != "pagination":
            path_key = f"{parts.netloc}{bare}"
            if self._variants[path_key] >= self.max_query_variants:
                what = "query variants" if parts.query and bare == parts.path else "variants (query or ;parameters)"
                return f"more than {self.max_query_variants} {what} of {bare}"
            self._variants[path_key] += 1
        return None
