"""Crawl every family site over HTTP: every link resolves or is a declared planted link,
the pages found are exactly the generator's pages, and prefix sites stay under their prefix."""

from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import urlsplit

import aiohttp
import pytest

from govwatch.core.urls import normalize_url
from govwatch.sim import SimServer
from govwatch.sim.resources import CONTENT_TYPES
from tests.sim.sim_helpers import FAMILY_SITES, FETCH_CALL, fetch, jcms_groups, links_in, script_pages


async def _crawl(sim: SimServer, site_id: str) -> dict[str, object]:
    manifest = sim.manifest
    entry = manifest["sites"][site_id]
    base, encoding = entry["base_url"], entry["encoding"]
    origin = f"{urlsplit(base).scheme}://{urlsplit(base).netloc}"
    planted = {link["target"] for link in entry["broken_links"] + entry["decoys"] if link["fault"] != "soft200"}
    unverifiable = set(entry["unverifiable_external"])
    external_base = manifest["external_base"]
    external: set[str] = set()  # off-site links of the planted issue-5 defects: answered by the external host
    platform_links = {origin + "/"} | {origin + f"/sites/{s}/" for s in manifest["sites"]}
    pages: set[str] = set()
    groups: dict[str, list[str]] = {}
    endpoints: set[str] = set()
    resources: set[str] = set()
    queue, seen = [entry["homepage"]], {entry["homepage"]}
    limit = entry["page_count"] * 3
    async with aiohttp.ClientSession() as session:
        for _ in range(limit):  # bounded crawl
            if not queue:
                break
            batch, queue = queue[:16], queue[16:]
            answers = await asyncio.gather(*(fetch(session, u) for u in batch))
            for url, (status, headers, body) in zip(batch, answers, strict=False):
                assert status == 200, url
                json_body = headers["Content-Type"] == "application/json; charset=utf-8"  # JSON is UTF-8
                text = body.decode("utf-8" if json_body else encoding)
                found = links_in(text, url)
                if json_body:
                    found = [normalize_url(item["url"], url) for item in json.loads(body)["items"]]
                    endpoints.add(url)
                elif headers["Content-Type"].startswith("text/html"):
                    pages.add(url)
                    found += script_pages(text, url)
                    found += [normalize_url(u, url) for u in FETCH_CALL.findall(text)]
                    implied = jcms_groups(text, url)
                    if implied:
                        groups[url] = implied
                        found += implied
                else:
                    assert headers["Content-Type"] == "text/xml; charset=utf-8", url
                for link in found:
                    if link in seen or link in planted:
                        continue
                    seen.add(link)
                    if link.startswith(external_base):
                        external.add(link)
                    elif not link.startswith(origin + "/"):
                        assert link in unverifiable, (url, link)
                    elif not link.startswith(base):
                        assert entry["placement"] == "prefix" and link in platform_links, (url, link)
                    elif re.search(r"(\.html?|/|\.jsp\?.*|\.json)$", link):
                        queue.append(link)
                    else:
                        resources.add(link)
        heads = await asyncio.gather(*(fetch(session, r, "HEAD") for r in sorted(resources)))
        outside = await asyncio.gather(*(fetch(session, u) for u in sorted(external)))
    assert all(status == 200 for status, _, _ in outside), sorted(external)
    for url, (status, headers, body) in zip(sorted(resources), heads, strict=False):
        ext = url.rsplit(".", 1)[1]
        assert status == 200 and body == b"", url
        assert headers["Content-Type"] == CONTENT_TYPES[ext], url
        assert int(headers["Content-Length"]) > 0
    return {"pages": pages, "groups": groups, "endpoints": endpoints, "resources": resources, "external": external}


@pytest.mark.parametrize("site_id", FAMILY_SITES)
async def test_crawl_finds_exactly_the_generated_pages(sim: SimServer, site_id: str) -> None:
    result = await _crawl(sim, site_id)
    gen = sim.generator(site_id)
    entry = sim.manifest["sites"][site_id]
    decoy_pages = {normalize_url(gen.url(p)) for p in gen.plan.decoy_pages()}
    expected = {normalize_url(gen.url(p)) for p, _ in gen.iter_pages()}
    assert result["pages"] | decoy_pages == expected
    assert len(expected) == entry["page_count"]
    resources = result["resources"]
    assert any(r.endswith(".pdf") for r in resources) and any(r.endswith((".png", ".gif")) for r in resources)
    assert result["endpoints"] == {c["endpoint"] for c in entry["columns"] if c["endpoint"]}
    for column in entry["columns"]:
        html_pages = [u for u in column["list_pages"] if "dataproxy.jsp" not in u]
        assert set(html_pages) <= result["pages"]
        if entry["family"] == "jcms" and not column["blank"]:
            assert result["groups"].get(column["url"], []) == column["list_pages"][1:]


async def test_prefix_site_links_stay_under_prefix(sim: SimServer) -> None:
    for site_id in ("fgw", "jyj"):
        entry = sim.manifest["sites"][site_id]
        assert entry["placement"] == "prefix" and entry["base_url"].endswith(f"/sites/{site_id}/")
        origin = entry["base_url"].split("/sites/")[0]
        async with aiohttp.ClientSession() as session:
            _, _, body = await fetch(session, entry["homepage"])
        links = links_in(body.decode(), entry["homepage"])
        own = [u for u in links if u.startswith(origin + "/")]
        outside = {u for u in own if not u.startswith(entry["base_url"])}
        assert outside == {origin + "/"} | {origin + f"/sites/{o}/" for o in ("fgw", "jyj") if o != site_id}
        everything = {link["target"] for link in entry["broken_links"] + entry["decoys"]}
        assert all(t.startswith(entry["base_url"]) or not t.startswith(origin) for t in everything)
