"""Server plumbing: manifest shape and URL normal form, content types, HEAD, platform, scale, serve()."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import aiohttp

from govwatch.core.urls import normalize_url
from govwatch.sim import SimOptions, SimServer, SiteSpec
from tests.sim.sim_helpers import AS_OF, FAMILY_SITES, fetch

SITE_KEYS = {"family", "placement", "base_url", "homepage", "name", "site_code", "icp", "police_record", "sponsor",
             "encoding", "page_count", "columns", "homepage_window", "future_dates", "broken_links", "decoys",
             "unverifiable_external", "traps", "planted", "negatives", "interaction", "linkage", "variation",
             "access", "accessibility", "search"}
COLUMN_KEYS = {"id", "name", "type", "type_source", "url", "list_pages", "pagination", "read_via", "endpoint", "items",
               "undated", "newest_date", "future_items", "later_items", "blank", "on_homepage", "discovered_by", "parent", "channel"}


def _all_urls(entry: dict) -> list[str]:
    urls = [entry["base_url"], entry["homepage"], *entry["unverifiable_external"]]
    for column in entry["columns"]:
        urls += [column["url"], *column["list_pages"], *[f["url"] for f in column["future_items"]]]
        urls += [column["endpoint"]] if column["endpoint"] else []
    urls += [i["url"] for i in entry["homepage_window"]["shown"] + entry["future_dates"]]
    for link in entry["broken_links"] + entry["decoys"]:
        urls += [link["source"], link["target"]]
    for plant in entry["planted"] + entry["negatives"]:
        urls += [plant["url"]] + ([plant["match"]["target"]] if "target" in plant.get("match", {}) else [])
        urls += [plant["target"]] if "target" in plant else []
    interaction = entry["interaction"] or {"messages": [], "guides": []}
    urls += [m["url"] for m in interaction["messages"]]
    urls += [u for g in interaction["guides"] for u in (g["url"], g.get("form_url"), g.get("online_url")) if u]
    return urls + [t["url"] for t in entry["traps"]]


def test_manifest_shape_and_normal_form(sim: SimServer, tmp_path: Path) -> None:
    manifest = sim.manifest
    assert manifest["generator"] == "govwatch.sim" and manifest["version"] == 1
    assert (manifest["seed"], manifest["as_of"]) == (7, "2026-11-22")
    assert (manifest["slow_seconds"], manifest["slow_ok_seconds"]) == (1.2, 0.05)
    assert set(manifest["sites"]) == set(FAMILY_SITES) | {"hostile"}
    for site_id, entry in manifest["sites"].items():
        assert set(entry) == SITE_KEYS, site_id
        for column in entry["columns"]:
            assert set(column) == COLUMN_KEYS
            assert column["pagination"] in ("createPageHTML", "xml-dataproxy", "links", "none")
            assert column["read_via"] in ("static", "script-pagination", "xml-records", "endpoint")
            assert column["discovered_by"] in ("nav", "homepage", "breadcrumb")
            assert column["type_source"] in ("name", "meta")
            assert column["channel"] is None  # variation 0: no channel pages
        if site_id != "hostile":
            assert entry["variation"]["index"] == 0 and entry["variation"]["channels"] == []
        for url in _all_urls(entry):
            assert normalize_url(url) == url, url
        if site_id != "hostile":
            assert len(entry["site_code"]) == 10 and entry["site_code"].isdigit()
            assert "ICP备" in entry["icp"] and "公网安备" in entry["police_record"]
            assert entry["encoding"] == ("gbk" if entry["family"] == "legacy" else "utf-8")
    written = sim.write_manifest(tmp_path / "manifest.json")
    assert json.loads(written.read_text(encoding="utf-8")) == manifest


async def test_content_types_and_head(sim: SimServer) -> None:
    sites = sim.manifest["sites"]
    async with aiohttp.ClientSession() as session:
        for site_id in FAMILY_SITES:
            entry = sites[site_id]
            expected = "text/html" if entry["family"] == "legacy" else "text/html; charset=utf-8"
            for url in (entry["homepage"], entry["columns"][0]["url"]):
                status, headers, body = await fetch(session, url)
                head_status, head_headers, head_body = await fetch(session, url, "HEAD")
                assert status == head_status == 200
                assert headers["Content-Type"] == head_headers["Content-Type"] == expected
                assert head_body == b"" and int(head_headers["Content-Length"]) == len(body)
        gen = sim.generator("trs")
        col = gen.column(3)
        item = gen.item(col, 0)
        for att in item.attachments:
            url = gen.url(gen.layout.attachment_path(col, 0, att.n, att.ext))
            status, headers, _ = await fetch(session, url, "HEAD")
            assert status == 200 and headers["Content-Type"].startswith("application/")
        status, headers, _ = await fetch(session, sim.manifest["external_base"] + "ok/x.html", "HEAD")
        assert status == 200


async def test_platform_index_and_prefix_redirect(sim: SimServer) -> None:
    platform = sim.manifest["platform_base"]
    async with aiohttp.ClientSession() as session:
        status, _, body = await fetch(session, platform)
        assert status == 200 and b'href="/sites/fgw/"' in body and b'href="/sites/jyj/"' in body
        status, headers, _ = await fetch(session, platform + "sites/fgw")
        assert status == 301 and headers["Location"] == "/sites/fgw/"
        assert (await fetch(session, platform + "sites/trs/"))[0] == 404  # host sites are not on the platform
        assert (await fetch(session, sim.site_url("trs") + "no/such/page.html"))[0] == 404


async def test_huge_site_serves_deepest_article_alone() -> None:
    options = SimOptions(seed=11, as_of=AS_OF, site_pages=100_000, hostile=False,
                         sites=(SiteSpec("big", "legacy"), SiteSpec("bigj", "jcms", "prefix")))
    with SimServer(options).running() as server:
        for site_id in ("big", "bigj"):
            gen = server.generator(site_id)
            col = max(gen.columns, key=lambda c: c.items)
            deepest = gen.url(gen.layout.item_path(col, col.items - 1))
            built = gen.factory.built
            async with aiohttp.ClientSession() as session:
                status, _, body = await fetch(session, deepest)
            assert status == 200 and gen.item(col, col.items - 1).title.encode(gen.encoding) in body
            assert gen.factory.built - built <= 2  # the article alone (plus the check above)
            assert server.manifest["sites"][site_id]["page_count"] >= 99_900


def test_serve_prints_urls_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    manifest_path = tmp_path / "m.json"
    code = ("import datetime; from govwatch.sim import SimOptions, serve; "
            f"serve(SimOptions(site_pages=60, as_of=datetime.date(2026, 11, 22)), manifest_path={str(manifest_path)!r})")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[2] / "src"),
                                                         os.environ.get("PYTHONPATH", "")]))
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env) as proc:
        try:
            lines = []
            for _ in range(20):  # bounded: one line per site plus bases and the manifest line
                line = proc.stdout.readline()
                if not line:
                    break
                lines.append(line)
                if line.startswith("manifest:"):
                    break
            assert any(line.startswith("trs") and "http://127.0.0.1:" in line for line in lines), lines
            assert json.loads(manifest_path.read_text(encoding="utf-8"))["as_of"] == date(2026, 11, 22).isoformat()
        finally:
            proc.send_signal(signal.SIGINT)  # stop our own child, by its PID
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        assert proc.returncode == 0, proc.stderr.read()
