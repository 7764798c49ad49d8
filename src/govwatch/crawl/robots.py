"""Optional robots.txt support (off by default: inspections cover the whole site)."""

from __future__ import annotations

from urllib.robotparser import RobotFileParser

from govwatch.core.urls import origin
from govwatch.crawl.fetcher import Fetcher


class RobotsCache:
    """Fetches and caches robots.txt per origin; a missing or broken file allows everything."""

    def __init__(self, fetcher: Fetcher, user_agent: str) -> None:
        self.fetcher = fetcher
        self.user_agent = user_agent
        self._parsers: dict[str, RobotFileParser | None] = {}

    async def allowed(self, url: str) -> bool:
        key = origin(url)
        if key not in self._parsers:
            result = await self.fetcher.fetch(f"{key}/robots.txt", max_bytes=512 * 1024)
            parser: RobotFileParser | None = None
            if result.error is None and result.status == 200 and result.body:
                parser = RobotFileParser()
                parser.parse(result.body.decode("utf-8", "replace").splitlines())
            self._parsers[key] = parser
        parser = self._parsers[key]
        return True if parser is None else parser.can_fetch(self.user_agent, url)
