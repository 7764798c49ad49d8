"""Static export writes exactly the bytes the server serves."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest

from govwatch.sim import SimServer, export_static
from tests.sim.sim_helpers import OPTIONS, fetch


def _exported(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)).replace(os.sep, "/") for p in directory.rglob("*") if p.is_file())


@pytest.mark.parametrize("site_id", ["trs", "legacy", "jcms", "jyj"])
async def test_export_matches_server(sim: SimServer, tmp_path: Path, site_id: str) -> None:
    manifest = sim.manifest
    entry = manifest["sites"][site_id]
    parts = urlsplit(entry["base_url"])
    origin = f"{parts.scheme}://{parts.netloc}"
    summary = export_static(OPTIONS, site_id, tmp_path, origin, external_base=manifest["external_base"],
                            refused_base=manifest["refused_base"])
    assert summary["pages"] == entry["page_count"]
    assert summary["endpoints"] == 1
    endpoint = next(c["endpoint"] for c in entry["columns"] if c["endpoint"])
    assert (tmp_path / endpoint[len(origin) + 1:]).is_file()  # served from the export by its path alone
    assert summary["manifest"] == entry
    assert {(s["fault"], s["served_as"]) for s in summary["skipped_faults"]} >= {
        ("410", "404"), ("500", "404"), ("slow", "404"), ("reset", "404"), ("head405", "200")}
    groups = {}
    for column in entry["columns"]:
        for url in column["list_pages"]:
            if "dataproxy.jsp" in url:
                q = dict(parse_qsl(urlsplit(url).query))
                groups[f"{q['columnid']}_{q['startrecord']}.xml"] = url
    files = _exported(tmp_path)
    assert len(files) == summary["files"]
    skipped = {s["target"] for s in summary["skipped_faults"] if s["served_as"] == "404"}
    urls = []
    for rel in files:
        name = rel.rsplit("/", 1)[-1]
        if "/jpage/dataproxy/" in rel:
            if name.endswith("_1.xml"):
                continue  # the first group is the data island itself; checked by content below
            urls.append((rel, groups[name]))
        elif rel == urlsplit(entry["base_url"]).path.lstrip("/") + "index.html":
            urls.append((rel, entry["homepage"]))
        else:
            urls.append((rel, f"{origin}/{rel}"))
    assert not skipped & {u for _, u in urls}
    # Decoy pages answer with first-request faults on the server: compare those with the generator.
    plain = {s["target"] for s in summary["skipped_faults"] if s["served_as"] == "200"}
    gen = sim.generator(site_id)
    for rel, url in [(r, u) for r, u in urls if u in plain]:
        assert (tmp_path / rel).read_bytes() == gen.respond("GET", url[len(gen.base_url):]).body
    assert len([u for _, u in urls if u in plain]) == len(plain)
    urls = [(r, u) for r, u in urls if u not in plain]
    async with aiohttp.ClientSession() as session:
        for start in range(0, len(urls), 32):
            batch = urls[start:start + 32]
            answers = await asyncio.gather(*(fetch(session, u) for _, u in batch))
            for (rel, url), (status, _, body) in zip(batch, answers, strict=False):
                assert status == 200, url
                assert (tmp_path / rel).read_bytes() == body, rel
    if entry["family"] == "jcms":
        firsts = [f for f in files if f.endswith("_1.xml")]
        assert len(firsts) == sum(1 for c in entry["columns"] if c["read_via"] == "xml-records")
        assert len(files) - len(firsts) - sum(1 for f in files if "/jpage/dataproxy/" in f) >= entry["page_count"]
