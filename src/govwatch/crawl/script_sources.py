"""The site's own list scripts read for their data endpoints (a list that ``<script src>`` fills).

A page whose list container is empty in the static HTML and that loads one of the site's
script files (``needs_render``) may be filled by that file calling a JSON API. The crawl
fetches each such script file once (it is a resource of the site), reads it for list APIs
with :func:`govwatch.extract.scripts.script_file_endpoints` (URLs resolve against the page, and
``data-*`` attributes of the page complete them), and adds the endpoints to the page: its
facts' ``endpoints`` (column analysis reads them when the page was not rendered) and its links
(the crawl fetches and extracts them like endpoints of inline scripts). Why a page got none is
a warning on its facts (``script-endpoints: …``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json

from govwatch.core.jsonfile import compact_json
from govwatch.core.model import FetchResult, PreparedPage
from govwatch.core.urls import Scope
from govwatch.crawl.fetcher import Fetcher
from govwatch.extract.decode import decode_html
from govwatch.extract.resolve import Resolver
from govwatch.extract.scripts import page_data_attributes, script_file_endpoints

MAX_SCRIPTS = 8  # script files read per page
MAX_SCRIPT_BYTES = 2 * 1024 * 1024


class ScriptSources:
    """Script files of one crawl, each fetched once; endpoints read per page."""

    def __init__(self, fetcher: Fetcher, scope: Scope) -> None:
        self.fetcher = fetcher
        self.scope = scope
        self._texts: dict[str, asyncio.Task[tuple[str | None, str]]] = {}

    async def _text(self, url: str) -> tuple[str | None, str]:
        """``(script text, "")`` or ``(None, why not)``."""
        task = self._texts.get(url)
        if task is None:
            task = self._texts[url] = asyncio.ensure_future(self._fetch(url))
        return await task

    async def _fetch(self, url: str) -> tuple[str | None, str]:
        result: FetchResult = await self.fetcher.fetch(url, max_bytes=MAX_SCRIPT_BYTES)
        if not result.ok or not result.body:
            return None, f"{url}: {result.error or result.status} {result.error_detail or ''}".strip()
        return decode_html(result.body, result.content_type)[0], ""

    async def add_endpoints(self, page: PreparedPage, page_url: str, body: bytes, content_type: str) -> PreparedPage:
        """``page`` with the endpoints its site scripts load added to its facts and links."""
        scripts = [u for u, _t, kind, _tag, _via in page.links if kind == "script" and self.scope.contains(u)]
        if not scripts:
            return page
        facts = json.loads(page.facts_json)
        html = decode_html(body, content_type)[0]
        attrs = page_data_attributes(html)
        resolve_url = Resolver(page_url)
        known = set(facts.get("endpoints") or [])
        added: list[str] = []
        problems: list[str] = []
        for url in scripts[:MAX_SCRIPTS]:
            text, why = await self._text(url)
            if text is None:
                problems.append(f"script not read: {why}")
                continue
            for endpoint in script_file_endpoints(text, resolve_url, attrs):
                if endpoint not in known and endpoint != page_url:
                    known.add(endpoint)
                    added.append(endpoint)
        if not added:
            problems.append("no list API found in the page's scripts: " + ", ".join(scripts[:MAX_SCRIPTS]))
            facts["warnings"] = [*facts.get("warnings", []), *(f"script-endpoints: {p}" for p in problems)]
            return dataclasses.replace(page, facts_json=compact_json(facts))
        facts["endpoints"] = [*(facts.get("endpoints") or []), *added]
        links = page.links + [(endpoint, "", "page", "script", "endpoint") for endpoint in added]
        return dataclasses.replace(page, facts_json=compact_json(facts), links=links)
