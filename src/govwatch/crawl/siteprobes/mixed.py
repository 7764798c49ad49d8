"""Mixed content: resources that pages served over HTTPS load over plain HTTP.

Computed after the crawl from the stored links (no network): a link counts when its tag
loads something into the page (``img``, ``script``, ``link``, ``iframe``/``frame``,
``embed``, ``source``, ``object``) and its target is an ``http://`` URL; hyperlinks
(``a``, ``area``) do not. The tag is stored only in the links table, which checks do not
read, so the result is stored as the run fact ``mixed_content`` for ``checks/transport.py``.
An off-site ``<link>`` is stored without its ``rel``: it counts only when its URL names a
resource file (``.css``, ``.js``, an icon or image, a font), so ``rel=canonical`` and
``alternate`` links to http pages are not taken for resources.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from govwatch.store import tables as t
from govwatch.store.stored_run import StoreRunData

RESOURCE_TAGS = ("img", "script", "link", "iframe", "frame", "embed", "source", "object")
ACTIVE_TAGS = frozenset({"script", "link", "iframe", "frame", "embed", "object"})  # browsers block these
_LINK_FILES = (".css", ".js", ".ico", ".png", ".gif", ".jpg", ".jpeg", ".svg", ".webp", ".woff", ".woff2", ".ttf")
MAX_RESOURCES = 200
MAX_EXAMPLES = 5


def _is_resource(url: str, kind: str, tag: str) -> bool:
    if tag != "link":
        return True
    if kind != "external":
        return kind in ("style", "script", "image")
    return url.split("?", 1)[0].split("#", 1)[0].lower().endswith(_LINK_FILES)


def insecure_resources(data: StoreRunData) -> dict[str, Any]:
    """The run fact ``mixed_content``: pages served over HTTPS and the http:// resources they load."""
    https_pages = {url for url, row in data.fetches.items()
                   if row.get("role") == "page" and (row.get("final_url") or url).startswith("https://")}
    facts: dict[str, Any] = {"https_pages": len(https_pages), "resources": [], "resource_count": 0}
    if not https_pages:
        return facts
    q = (select(t.urls.c.url, t.links.c.kind, t.links.c.tag).distinct()
         .join(t.urls, t.urls.c.id == t.links.c.target_id)
         .where(t.links.c.run_id == data.run_id, t.links.c.tag.in_(RESOURCE_TAGS), t.urls.c.url.like("http://%")))
    with data.store.engine.connect() as conn:
        candidates: dict[str, tuple[str, str]] = {}
        for url, kind, tag in conn.execute(q):
            if _is_resource(url, kind, tag):
                candidates.setdefault(url, (kind, tag))
    sources: dict[str, set[str]] = {}
    for source, target, *_ in data.links_to(set(candidates)):
        if source in https_pages:
            sources.setdefault(target, set()).add(source)
    resources = []
    for url in sorted(sources):
        kind, tag = candidates[url]
        pages = sorted(sources[url])
        resources.append({"url": url, "tag": tag, "kind": kind, "active": tag in ACTIVE_TAGS, "pages": len(pages),
                          "on_homepage": any(data.is_homepage(p) for p in pages), "examples": pages[:MAX_EXAMPLES]})
    resources.sort(key=lambda r: (not r["active"], -r["pages"], r["url"]))
    facts.update(resources=resources[:MAX_RESOURCES], resource_count=len(resources))
    return facts
