"""Construction variation (``SimOptions.variation``), generated without sockets: variation 0 is
today's construction, and for N >= 1 every page answers, each variant is built as the manifest
says, and columns are linked only from where the manifest says they are found."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

import pytest

from govwatch.sim import Portfolio, SimOptions
from govwatch.sim.downloads import parse_download
from govwatch.sim.manifest import build_manifest
from govwatch.sim.site import SiteGenerator
from govwatch.sim.variation import DEFAULT, choose
from tests.sim.sim_helpers import AS_OF, OPTIONS

VARIATIONS = (1, 2, 3)
_HREF = re.compile(r'(?:href|src)="([^"]+)"')


def _portfolio(variation: int) -> Portfolio:
    return Portfolio.with_fake_ports(OPTIONS.with_(variation=variation, hostile=False))


def _text(gen: SiteGenerator, path: str) -> str:
    answer = gen.respond("GET", path)
    assert answer.status == 200, path
    return answer.body.decode("gb18030" if gen.encoding == "gbk" else "utf-8")


def test_variation_zero_is_the_default_construction() -> None:
    assert all(choose(OPTIONS.seed, 0, spec.id) is DEFAULT for spec in OPTIONS.portfolio)
    plain, zero = Portfolio.with_fake_ports(OPTIONS.with_(hostile=False)), _portfolio(0)
    for site_id, gen in plain.sites.items():
        other = zero.sites[site_id]
        for path, _kind in list(gen.iter_pages())[:60]:
            assert gen.respond("GET", path).body == other.respond("GET", path).body, path
    with pytest.raises(ValueError):
        SimOptions(as_of=AS_OF, variation=-1)


@pytest.mark.parametrize("variation", VARIATIONS)
def test_every_page_answers_and_is_counted(variation: int) -> None:
    for gen in _portfolio(variation).sites.values():
        pages = list(gen.iter_pages())
        assert len({p for p, _ in pages}) == len(pages) == gen.page_count()
        for path, _kind in pages:
            assert gen.respond("GET", path).status == 200, (gen.spec.id, path)


@pytest.mark.parametrize("variation", VARIATIONS)
def test_columns_are_linked_only_where_the_manifest_finds_them(variation: int) -> None:
    portfolio = _portfolio(variation)
    manifest = build_manifest(portfolio)
    for site_id, gen in portfolio.sites.items():
        truth = manifest["sites"][site_id]
        home_links = set(_HREF.findall(_text(gen, "")))
        sitemap = _text(gen, gen.ctx.sitemap_path)
        for col in truth["columns"]:
            href = gen.ctx.href(gen.layout.list_path(gen.column(int(col["id"][1:])), 0))
            if col["discovered_by"] == "sitemap":
                assert href not in home_links and href in sitemap, (site_id, col["name"])
            elif col["discovered_by"] == "channel":
                channel = next(c for c in truth["variation"]["channels"] if col["id"] in c["columns"])
                assert col["channel"] == channel["url"] and href not in home_links, (site_id, col["name"])
                page = next(p for c, p in gen.ctx.channel_paths if c.name == channel["name"])
                assert href in _text(gen, page) and gen.ctx.href(page) in home_links


@pytest.mark.parametrize("variation", VARIATIONS)
def test_script_api_downloads_and_footer_follow_the_variants(variation: int) -> None:
    portfolio = _portfolio(variation)
    manifest = build_manifest(portfolio)
    for site_id, gen in portfolio.sites.items():
        v = manifest["sites"][site_id]["variation"]
        (col,) = [c for c in gen.columns if c.js]
        assert 'src="' + gen.ctx.href("js/list.js") + '"' in _text(gen, gen.layout.list_path(col, 0))
        path, _, query = gen.endpoint_path(col).partition("?")
        payload = json.loads(gen.respond("GET", path, query).body)
        rows = {"data": lambda d: d["data"], "rows": lambda d: d["rows"], "array": lambda d: d,
                "result.records": lambda d: d["result"]["records"]}[v["script"]["shape"]](payload)
        assert len(rows) == col.items and {v["script"]["title_field"], v["script"]["date_field"],
                                           v["script"]["url_field"]} == set(rows[0])
        planted = [p for p in manifest["sites"][site_id]["planted"] if p["kind"] == "privacy_leak"]
        files = [p["url"] for p in planted if "attach" in p["url"] or ".jsp" in p["url"] or ".do" in p["url"]]
        assert files, site_id
        for url in files:
            rel = url.split(gen.ctx.root, 1)[1] if gen.ctx.root != "/" else url.split("/", 3)[3]
            path, _, query = rel.partition("?")
            assert parse_download(v["downloads"], path, query) is not None, url
            answer = gen.respond("GET", path, query)
            assert answer.status == 200 and not path.endswith((".pdf", ".docx", ".xlsx", ".csv")), url
            header = answer.headers.get("Content-Disposition") or answer.raw_headers.get("Content-Disposition")
            assert (header is not None) is v["downloads"].startswith("download-"), url
            if v["downloads"] == "downfile":
                assert unquote(query).startswith("filename=附件"), url
        footer = _text(gen, "").split('<div class="footer">', 1)[1]
        identity = manifest["sites"][site_id]
        assert identity["police_record"] in footer or site_id == "trs"  # trs shows the planted 12-digit number
        if v["footer"]["icp_serial10"] and site_id not in ("jcms", "legacy"):  # jcms, legacy: no ICP (planted)
            assert re.search(r"ICP备\d{10}号", footer), footer
        assert ('alt="网站标识码：' in footer) is (v["footer"]["site_code_form"] == "image-alt")
