"""JCMS lists: data island plus dataproxy groups hold every record exactly once (GET and POST)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest

from govwatch.core.urls import normalize_url
from govwatch.sim import SimServer
from tests.sim.sim_helpers import fetch, links_in

_RECORD = re.compile(r"<record><!\[CDATA\[(.*?)\]\]></record>", re.S)


@pytest.mark.parametrize("site_id", ["jcms", "jyj"])
async def test_island_and_groups_hold_every_record_once(sim: SimServer, site_id: str) -> None:
    entry = sim.manifest["sites"][site_id]
    gen = sim.generator(site_id)
    paged = [c for c in entry["columns"] if len(c["list_pages"]) > 1]
    assert paged or site_id != "jcms", "the jcms site is sized to need dataproxy groups"
    async with aiohttp.ClientSession() as session:
        for column in entry["columns"]:
            if column["blank"] or column["read_via"] == "endpoint":
                continue
            col = gen.column(int(column["id"][1:]))
            expected = [normalize_url(gen.url(gen.layout.item_path(col, i))) for i in range(col.items)]
            status, _, body = await fetch(session, column["url"])
            island = body.decode()
            assert status == 200
            assert f"var totalRecord = {col.items}; var perPage = {col.per_page};" in island
            records = _RECORD.findall(island.split('<script type="text/xml">')[1].split("</script>")[0])
            got = [links_in(r, column["url"])[0] for r in records]
            assert len(got) == min(col.items, 3 * col.per_page)
            for group_url in column["list_pages"][1:]:
                params = dict(parse_qsl(urlsplit(group_url).query))
                start, end = int(params["startrecord"]), int(params["endrecord"])
                status, headers, body = await fetch(session, group_url)
                assert status == 200 and headers["Content-Type"] == "text/xml; charset=utf-8"
                xml = body.decode()
                assert xml.startswith('<?xml version="1.0" encoding="utf-8"?>')
                assert f"<totalrecord>{col.items}</totalrecord>" in xml
                group = [links_in(r, group_url)[0] for r in _RECORD.findall(xml)]
                assert len(group) == end - start + 1
                got += group
            assert got == expected, column["name"]


async def test_dataproxy_answers_post_like_get(sim: SimServer) -> None:
    entry = sim.manifest["sites"]["jcms"]
    group_url = next(c["list_pages"][1] for c in entry["columns"] if len(c["list_pages"]) > 1)
    endpoint, query = group_url.split("?", 1)
    params = dict(parse_qsl(query))
    async with aiohttp.ClientSession() as session:
        _, _, by_get = await fetch(session, group_url)
        status, headers, by_post = await fetch(session, endpoint, "POST", data=params)
        assert status == 200 and headers["Content-Type"] == "text/xml; charset=utf-8"
        assert by_post == by_get
        # jpage.js style: record window in the body, unit in the query string
        window = {k: params.pop(k) for k in ("startrecord", "endrecord", "perpage")}
        mixed_url = endpoint + "?" + "&".join(f"{k}={v}" for k, v in params.items())
        status, _, mixed = await fetch(session, mixed_url, "POST", data=window)
        assert status == 200 and mixed == by_get
        assert (await fetch(session, endpoint + "?columnid=999999&startrecord=1&endrecord=5"))[0] == 404
        assert (await fetch(session, entry["homepage"], "POST", data={"a": "b"}))[0] == 405
