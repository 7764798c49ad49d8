"""Optional robots.txt support (off by default: inspections cover the whole site).

A robots.txt larger than :data:`MAX_ROBOTS_BYTES` is parsed up to that size (its last
whole line), as Google does, rather than ignored.
"""

from __future__ import annotations

from urllib.robotparser import RobotFileParser

from govwatch.core.urls import origin
from govwatch.crawl.fetcher import Fetcher

MAX_ROBOTS_BYTES = 512 * 1024


class RobotsCache:
    """Fetches and caches robots.txt per origin; a missing or broken file allows everything."""

    def __init__(self, fetcher: Fetcher, user_agent: str) -> None:
        self.fetcher = fetcher
        self.user_agent = user_agent
        self._parsers: dict[str, RobotFileParser | None] = {}

    async def allowed(self, url: str) -> bool:
        key = origin(url)
        if key not in self._parsers:
            result = await self.fetcher.fetch(f"{key}/robots.txt", max_bytes=MAX_ROBOTS_BYTES, read_head=True)
            self._parsers[key] = _parser(result.body if result.error in (None, "too_large") and result.status == 200
                                         else b"", cut=result.error == "too_large")
        parser = self._parsers[key]
        return True if parser is None else parser.can_fetch(self.user_agent, url)


def _parser(body: bytes, *, cut: bool) -> RobotFileParser | None:
    """A parser of ``body`` (without its last, partial line when the file was ``cut``); None when empty."""
    if cut:
        body = body[:body.rfind(b"\n") + 1]
    if not body:
        return None
    parser = RobotFileParser()
    parser.parse(body.decode("utf-8", "replace").splitlines())
    return parser
