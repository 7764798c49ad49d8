"""What the generator answers for one request, before the server applies behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field

HTML_UTF8 = "text/html; charset=utf-8"
HTML_BARE = "text/html"  # legacy pages: the decoder must read the meta tag
XML_UTF8 = "text/xml; charset=utf-8"
JSON_UTF8 = "application/json; charset=utf-8"


@dataclass(slots=True)
class SimResponse:
    """A response as data.

    ``fault`` names a behaviour the server applies (see ``server.py``):
    ``reset`` (always), ``reset_once``, ``error503_once``, ``retry429`` (first
    request per URL only), ``head405``/``head403`` (HEAD only), ``slow`` and
    ``slow_ok`` (sleep ``delay`` first), and the traps ``hang``, ``huge`` and
    ``gzip_bomb``. ``None`` means: send as it is. ``raw_headers`` are sent as these exact bytes
    (a header that is not UTF-8, e.g. a raw GBK file name; the connection is closed after).
    """

    status: int = 200
    body: bytes = b""
    content_type: str = HTML_UTF8
    headers: dict[str, str] = field(default_factory=dict)
    fault: str | None = None
    delay: float = 0.0
    raw_headers: dict[str, bytes] = field(default_factory=dict)

    @property
    def is_html(self) -> bool:
        return self.content_type.startswith("text/html")
