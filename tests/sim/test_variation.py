"""Construction variation (``SimOptions.variation``), generated without sockets: variation 0 is
today's construction, and for N >= 1 every page answers, each variant is built as the manifest
says, and columns are linked only from where the manifest says they are found."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
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


@pytest.mark.parametrize("variation", VARIATIONS)
def test_items_after_the_as_of_only_when_the_crawl_is_later(variation: int) -> None:
    """``later_items`` lie after as_of and before today, follow the forged item, and leave
    ``newest_date`` as the newest on or before as_of; with as_of = today there are none."""
    today = AS_OF + timedelta(days=20)
    early = Portfolio.with_fake_ports(OPTIONS.with_(variation=variation, hostile=False, today=today))
    manifest = build_manifest(early)
    for site_id, gen in early.sites.items():
        truth = manifest["sites"][site_id]
        chosen = {f"c{n}" for n in gen.variants.later_columns}
        assert chosen and truth["variation"]["later_columns"] == sorted(chosen, key=lambda c: int(c[1:]))
        for col, entry in zip(gen.columns, truth["columns"], strict=True):
            later = [date.fromisoformat(f["date"]) for f in entry["later_items"]]
            assert len(later) == col.later_count and (not later or entry["id"] in chosen), (site_id, entry["id"])
            assert all(AS_OF < d < today for d in later) and later == sorted(later, reverse=True)
            dated = [col.item_when(i).date() for i in range(col.items) if i not in col.later_indexes
                     and i != col.future_index]
            if entry["newest_date"] and not col.undated:
                assert entry["newest_date"] == max(dated).isoformat() and max(dated) <= AS_OF
    same_day = build_manifest(Portfolio.with_fake_ports(OPTIONS.with_(variation=variation, hostile=False, today=AS_OF)))
    assert not any(c["later_items"] for s in same_day["sites"].values() for c in s["columns"])


@pytest.mark.parametrize("variation", VARIATIONS)
def test_placeholder_jiucuo_and_empty_content_source_are_served_as_planted(variation: int) -> None:
    portfolio = _portfolio(variation)
    manifest = build_manifest(portfolio)
    for site_id, gen in portfolio.sites.items():
        planted = manifest["sites"][site_id]["planted"]
        footer = _text(gen, "").split('<div class="footer">', 1)[1]
        placeholder = any(p["match"].get("item") == "jiucuo" and p["match"].get("problem") == "invalid" for p in planted)
        assert ('sitecode="1234567890"' in footer) is placeholder, site_id
        (page,) = [p["url"] for p in planted if p["kind"] == "meta_tag_missing" and p["match"]["page_type"] == "article"]
        ((no, index),) = gen.plants.no_source
        assert page.endswith(gen.layout.item_path(gen.column(no), index))
        assert '<meta name="ContentSource" content="">' in _text(gen, gen.layout.item_path(gen.column(no), index))


@pytest.mark.parametrize("variation", VARIATIONS)
def test_board_list_pages_are_paginated_under_a_field_head(variation: int) -> None:
    """The board's list pages (5 messages each) show the field head where they hold 3 or more; the
    planted page lacks ColumnDescription, the others carry every list tag."""
    portfolio = _portfolio(variation)
    for site_id, gen in portfolio.sites.items():
        (board,) = [c for c in gen.columns if c.type == "consult"]
        ((no, k),) = gen.plants.board_untagged
        assert no == board.no and k < board.list_pages and len(gen.list_items(board, k)) >= 3
        assert (board.list_pages > 1) is (gen.spec.family != "jcms") and (k == 1 or gen.spec.family == "jcms"
                                                                          or len(gen.list_items(board, 1)) < 3)
        for page in range(board.list_pages):
            html = _text(gen, gen.layout.list_path(board, page))
            rows = len(gen.list_items(board, page))
            assert ('class="board-head"' in html and "留言时间" in html) is (rows >= 3), (site_id, page)
            assert ('name="ColumnDescription"' in html) is (page != k) and 'name="ColumnName"' in html
