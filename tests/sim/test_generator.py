"""Pure generation: determinism, columns, dates, encodings, pagination, scale."""

from __future__ import annotations

import re
import tracemalloc
from datetime import date, timedelta

import pytest

from govwatch.sim import Portfolio, SimOptions, SiteSpec
from govwatch.sim.manifest import build_manifest
from govwatch.sim.options import today_shanghai
from tests.sim.sim_helpers import AS_OF, FAMILY_SITES, OPTIONS, title_of

COLUMN_TYPES = {"dynamic", "notice", "policy", "interpretation", "personnel", "plan", "consult", "survey",
                "interview", "service", "data", "other"}


def _sample_paths(gen) -> list[str]:
    paths = ["", "css/style.css", "robots.txt"]
    for col in gen.columns:
        paths += [gen.layout.list_path(col, k) for k in range(col.list_pages)]
        if col.items:
            paths += [gen.layout.item_path(col, 0), gen.layout.item_path(col, col.items - 1)]
    return paths + list(gen.plan.faults)


def test_same_seed_same_bytes_and_manifest(portfolio: Portfolio) -> None:
    again = Portfolio.with_fake_ports(OPTIONS)
    assert build_manifest(again) == build_manifest(portfolio)
    for site_id in FAMILY_SITES:
        a, b = portfolio.sites[site_id], again.sites[site_id]
        for path in _sample_paths(a):
            assert a.respond("GET", path).body == b.respond("GET", path).body, path
        files_a, files_b = list(a.iter_files()), list(b.iter_files())
        assert files_a == files_b
        assert [a.respond("GET", p).body for p in files_a[:20]] == [b.respond("GET", p).body for p in files_b[:20]]


def test_other_seed_other_content(portfolio: Portfolio) -> None:
    other = Portfolio.with_fake_ports(OPTIONS.with_(seed=8))
    assert portfolio.sites["trs"].respond("GET", "").body != other.sites["trs"].respond("GET", "").body
    assert build_manifest(other)["sites"]["trs"]["site_code"] != build_manifest(portfolio)["sites"]["trs"]["site_code"] \
        or build_manifest(other)["sites"]["trs"]["icp"] != build_manifest(portfolio)["sites"]["trs"]["icp"]


@pytest.mark.parametrize("site_id", FAMILY_SITES)
def test_every_column_class_and_blank_column(portfolio: Portfolio, site_id: str) -> None:
    entry = build_manifest(portfolio)["sites"][site_id]
    assert {c["type"] for c in entry["columns"]} >= COLUMN_TYPES
    blank = [c for c in entry["columns"] if c["blank"]]
    assert blank and all(c["items"] == 0 and c["newest_date"] is None for c in blank)
    gen = portfolio.sites[site_id]
    col = next(c for c in gen.columns if c.blank)
    assert "暂无信息" in gen.respond("GET", gen.layout.list_path(col, 0)).body.decode(gen.encoding)
    assert [c["name"] for c in blank] == ["专题专栏"]
    names = {c["name"] for c in entry["columns"]}
    assert {"政务动态", "通知公告", "政策文件", "人事信息", "规划计划", "政策解读", "领导信箱", "调查征集",
            "在线访谈", "办事指南", "数据发布", "区县动态", "图片新闻", "工作信息", "机构职能", "公示公告",
            "规范性文件"} <= names


@pytest.mark.parametrize("site_id", FAMILY_SITES)
def test_fresh_and_stale_columns(portfolio: Portfolio, site_id: str) -> None:
    columns = build_manifest(portfolio)["sites"][site_id]["columns"]
    age = {c["name"]: (AS_OF - date.fromisoformat(c["newest_date"])).days for c in columns if c["newest_date"]}
    assert all(days >= 1 for days in age.values())  # newest_date never on or after as_of
    assert age["政务动态"] <= 14  # fresh within the 2-week window
    assert age["部门动态"] > 14  # a stale dynamic column
    assert age["区县动态"] == 14 and age["图片新闻"] == 15  # exactly on the boundary: fresh, stale
    assert age["政策文件"] > 183 and age["通知公告"] <= 183
    assert age["规划计划"] > 365 and age["人事信息"] <= 365
    for name, days in age.items():  # every other column is unambiguous: 2+ days from any window boundary
        if name not in ("区县动态", "图片新闻"):
            assert all(abs(days - edge) >= 2 for edge in (14, 183, 365)), (name, days)


@pytest.mark.parametrize("family", ["trs", "jcms", "legacy"])
@pytest.mark.parametrize("seed", [1, 2, 3, 5, 8, 13])
def test_boundaries_hold_for_any_seed_and_size(family: str, seed: int) -> None:
    for pages in (50, 400, 5000):
        options = SimOptions(seed=seed, as_of=AS_OF, site_pages=pages, sites=(SiteSpec("s", family),), hostile=False)
        gen = Portfolio.with_fake_ports(options).sites["s"]
        for col in gen.columns:
            newest = col.newest_date()
            if newest is None:
                assert col.blank or col.undated
                continue
            days = (AS_OF - newest).days
            if col.name == "区县动态":
                assert days == 14
            elif col.name == "图片新闻":
                assert days == 15
            else:
                assert days >= 1 and all(abs(days - edge) >= 2 for edge in (14, 183, 365)), (col.name, days)
        future = [c for c in gen.columns if c.future_index is not None]
        assert len(future) == 1 and future[0].items >= 3
        assert sum(c.js for c in gen.columns) == sum(c.undated for c in gen.columns) == 1


@pytest.mark.parametrize("site_id", FAMILY_SITES)
def test_dates_ordered_and_consistent(portfolio: Portfolio, site_id: str) -> None:
    gen = portfolio.sites[site_id]
    for col in gen.columns:
        whens = [col.item_when(i) for i in range(col.items)]
        assert whens == sorted(whens, reverse=True)
        if col.items:
            newest = gen.item(col, 0)
            page = gen.respond("GET", gen.layout.item_path(col, 0)).body.decode(gen.encoding)
            assert newest.when.strftime("%Y-%m-%d %H:%M") in page  # PubDate meta
            dated = [w.date() for w in whens if w.date() <= AS_OF] if not col.undated else []
            assert col.newest_date() == (dated[0] if dated else None)
            if col.future_index is not None:
                forged = max(AS_OF, today_shanghai()) + timedelta(days=40)  # future against the real clock too
                assert whens[0].date() == forged and whens[1].date() <= AS_OF


def test_forged_date_lies_after_the_later_of_as_of_and_today() -> None:
    """The forged date stays future against the real clock: as_of + 40 days while the real today is not
    later than as_of, else today + 40 days; the manifest records the today it counted from."""
    for today, forged in ((AS_OF - timedelta(days=3), AS_OF), (AS_OF + timedelta(days=50), AS_OF + timedelta(days=50))):
        options = SimOptions(seed=7, as_of=AS_OF, today=today, site_pages=60, sites=(SiteSpec("s", "trs"),),
                             hostile=False)
        manifest = build_manifest(Portfolio.with_fake_ports(options))
        assert manifest["today"] == today.isoformat()
        assert [f["date"] for f in manifest["sites"]["s"]["future_dates"]] == [
            (forged + timedelta(days=40)).isoformat()]


@pytest.mark.parametrize("site_id", FAMILY_SITES)
def test_page_count_matches_enumeration(portfolio: Portfolio, site_id: str) -> None:
    gen = portfolio.sites[site_id]
    pages = list(gen.iter_pages())
    assert len(pages) == len({p for p, _ in pages}) == gen.page_count()
    assert abs(gen.page_count() - OPTIONS.pages_for(gen.spec)) <= 10
    for path, _kind in pages:
        answer = gen.respond("GET", path)
        assert answer.status == 200 and answer.is_html, path


@pytest.mark.parametrize("site_id", ["legacy"])
def test_legacy_pages_are_gbk_beyond_gb2312(portfolio: Portfolio, site_id: str) -> None:
    gen = portfolio.sites[site_id]
    for path, _kind in list(gen.iter_pages())[:60]:
        answer = gen.respond("GET", path)
        assert answer.content_type == "text/html"  # no charset: the decoder must read the meta tag
        with pytest.raises(UnicodeDecodeError):
            answer.body.decode("gb2312")
        text = answer.body.decode("gb18030")
        assert 'charset=gb2312"' in text
        assert any(ch in text for ch in "镕喆堃珺")
        with pytest.raises(UnicodeDecodeError):
            answer.body.decode("utf-8")
    text = gen.respond("GET", "").body.decode("gb18030")
    assert '<meta name="Sitename"' in text
    article = gen.layout.item_path(gen.columns[0], 0)
    assert '<meta name="pubdate"' in gen.respond("GET", article).body.decode("gb18030")


def test_legacy_dates_without_year_and_chinese_numerals(portfolio: Portfolio) -> None:
    gen = portfolio.sites["legacy"]
    listing = gen.respond("GET", gen.layout.list_path(gen.column(1), 0)).body.decode("gb18030")
    assert re.search(r'<td class="d">\[\d{2}-\d{2}\]</td>', listing)
    two_digit = gen.respond("GET", gen.layout.list_path(gen.column(2), 0)).body.decode("gb18030")
    assert re.search(r'<td class="d">\[\d{2}-\d{2}-\d{2}\]</td>', two_digit)
    numerals = gen.respond("GET", gen.layout.list_path(gen.column(3), 0)).body.decode("gb18030")
    assert re.search(r'<td class="d">[〇一二三四五六七八九]{4}年[一二三四五六七八九十]+月[一二三四五六七八九十]+日</td>', numerals)
    policy = gen.respond("GET", gen.layout.item_path(gen.column(3), 0)).body.decode("gb18030")
    assert re.search(r"发布日期：[〇一二三四五六七八九]{4}年", policy)
    pager = gen.respond("GET", gen.layout.list_path(gen.column(1), 0)).body.decode("gb18030")
    last = gen.column(1).list_pages
    assert '<a href="list_2.htm">下一页</a>' in pager and f'<a href="list_{last}.htm">尾页</a>' in pager


@pytest.mark.parametrize("site_id", ["trs", "fgw"])
def test_trs_create_page_html(portfolio: Portfolio, site_id: str) -> None:
    gen = portfolio.sites[site_id]
    for col in gen.columns:
        if col.blank or col.js:
            continue
        for k in range(col.list_pages):
            text = gen.respond("GET", gen.layout.list_path(col, k)).body.decode()
            m = re.search(r'createPageHTML\((\d+), (\d+), "(\w+)", "(\w+)"\)', text)
            assert m and int(m.group(1)) == col.list_pages and int(m.group(2)) == k
            assert (m.group(3), m.group(4)) == ("index", "html")
            listing = text.split('<div class="list-hd">')[1].split('<div class="footer">')[0]
            assert not re.search(r'<a [^>]*href="[^"]*index(_\d+)?\.html', listing), "no <a> to list pages"
            assert len(re.findall(r'<li><a href="\./\d{6}/t\d{8}_\d+\.html"', text)) == len(gen.list_items(col, k))
        count = col.list_pages
        names = ["index.html"] + [f"index_{k}.html" for k in range(1, count)]
        for name in names:
            assert gen.respond("GET", f"{col.path}/{name}").status == 200
        assert gen.respond("GET", f"{col.path}/index_{count}.html").status == 404


_LABEL = {"trs": "<th>{}</th><td>", "jcms": "<dt>{}：</dt><dd>", "legacy": "<h4>{}</h4><p>"}  # message markup
_GUIDE_LABEL = {"trs": "<th>{}</th><td>[^<]+</td>", "jcms": "<h4>{}</h4><p>[^<]+</p>", "legacy": "<dt>{}：</dt><dd>[^<]+</dd>"}


@pytest.mark.parametrize("site_id", FAMILY_SITES)
def test_messages_and_guides(portfolio: Portfolio, site_id: str) -> None:
    from govwatch.sim.boards import message_plan
    gen = portfolio.sites[site_id]
    family = gen.spec.family
    consult = next(c for c in gen.columns if c.type == "consult")
    service = next(c for c in gen.columns if c.type == "service")
    for index in range(consult.items):
        text = gen.respond("GET", gen.layout.item_path(consult, index)).body.decode(gen.encoding)
        hidden = message_plan(consult, index).hidden
        for label in ("留言时间", "答复时间", "答复单位", "答复内容"):
            assert (_LABEL[family].format(label) in text) is (label not in hidden), (index, label)
    text = gen.respond("GET", gen.layout.item_path(service, 0)).body.decode(gen.encoding)
    for label in ("事项名称", "设定依据", "申请条件", "办理材料", "办理地点", "办理机构", "收费标准", "办理时间",
                  "联系电话", "办理流程"):
        assert re.search(_GUIDE_LABEL[family].format(label), text), label


@pytest.mark.parametrize("site_id", FAMILY_SITES)
def test_attachments_and_images_have_real_formats(portfolio: Portfolio, site_id: str) -> None:
    gen = portfolio.sites[site_id]
    magic = {"pdf": b"%PDF-", "docx": b"PK\x03\x04", "xlsx": b"PK\x03\x04", "doc": bytes.fromhex("D0CF11E0"),
             "png": b"\x89PNG", "gif": b"GIF89a"}
    seen = set()
    for path in gen.iter_files():
        ext = path.rsplit(".", 1)[1]
        answer = gen.respond("GET", path)
        assert answer.status == 200, path
        if ext in magic:
            assert answer.body.startswith(magic[ext]), path
            seen.add(ext)
    assert {"pdf", "xlsx"} <= seen and ({"png"} <= seen or {"gif"} <= seen)


@pytest.mark.parametrize("family", ["trs", "jcms", "legacy"])
def test_huge_site_is_generated_on_demand(family: str) -> None:
    tracemalloc.start()
    try:
        options = SimOptions(seed=3, as_of=AS_OF, site_pages=100_000, sites=(SiteSpec("big", family),),
                             hostile=False)
        gen = Portfolio.with_fake_ports(options).sites["big"]
        assert gen.factory.built == 0  # building the site built no items
        assert abs(gen.page_count() - 100_000) <= 20
        col = max(gen.columns, key=lambda c: c.items)
        deepest = gen.layout.item_path(col, col.items - 1)
        tracemalloc.reset_peak()
        answer = gen.respond("GET", deepest)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.status == 200
    assert gen.factory.built <= 2  # only the page's own item was built
    assert peak < 1_000_000
    assert col.item_when(col.items - 1).date() >= AS_OF - timedelta(days=7300 + 400)
    assert gen.item(col, col.items - 1).title in title_of(answer.body.decode(gen.encoding))
