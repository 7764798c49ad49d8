"""Year inference for month-day list dates: text, URL, neighbouring rows, the page, or none."""

from __future__ import annotations

from datetime import date

import pytest

from govwatch.extract import extract_page
from govwatch.extract.dates import find_dates
from govwatch.extract.page import page_reference
from govwatch.extract.rows import RowInfo, fill_page_year, items_from_rows


def _list(rows: list[tuple[str, str]], head: str = "", tail: str = "") -> str:
    lis = "".join(f'<li><a href="{href}">第{i}条信息的标题内容</a><span>{shown}</span></li>'
                  for i, (href, shown) in enumerate(rows))
    return f"<html><head>{head}</head><body><ul class=\"list\">{lis}</ul>{tail}</body></html>"


def _dates(html: str, url: str = "http://x.gov.cn/col/list.html"):
    (block,) = extract_page(html, url).lists
    return [(i.date, i.date_source) for i in block.items]


def _row(shown: str, url: str | None = None) -> RowInfo:
    found = find_dates(shown)
    return RowInfo(title="标题", href=url, url=url, match=found[0] if found else None, date_text=shown)


@pytest.mark.parametrize("href, year", [
    ("/zwdt/202403/t20240305_1.html", 2024),  # TRS
    ("/art/2023/3/5/art_12_345.html", 2023),  # JCMS
    ("/news/2022-03/05/content_1.htm", 2022),
    ("/news/gzdt/2021/0305/123.htm", 2021),
    ("/col/c1/202003/abc.html", 2020),
])
def test_year_from_the_item_url(href, year):
    html = _list([(href, "[03-05]"), ("/show.asp?id=1", "2019-01-01")])
    assert _dates(html)[0] == (date(year, 3, 5), "url")


def test_full_dates_are_text_and_shown_as_is():
    html = _list([("/a/1.html", "2031-01-05"), ("/a/2.html", "2024年3月5日"), ("/a/3.html", "二〇二四年三月一日")])
    # a date after any reference time is reported as shown (checks decide about future dates)
    assert _dates(html) == [(date(2031, 1, 5), "text"), (date(2024, 3, 5), "text"), (date(2024, 3, 1), "text")]


def test_neighbours_downwards_cross_new_year_and_chain():
    items = items_from_rows([_row("2024-01-10"), _row("12-28"), _row("06-01"), _row("02-01"), _row("01-05"),
                             _row("12-30")])
    assert [(i.date, i.date_source) for i in items] == [
        (date(2024, 1, 10), "text"), (date(2023, 12, 28), "neighbour"), (date(2023, 6, 1), "neighbour"),
        (date(2023, 2, 1), "neighbour"), (date(2023, 1, 5), "neighbour"), (date(2022, 12, 30), "neighbour")]


def test_neighbours_upwards_from_the_first_known_row():
    items = items_from_rows([_row("01-03"), _row("12-30"), _row("12-28", "http://x.gov.cn/a/202312/t20231228_1.html")])
    assert [(i.date, i.date_source) for i in items] == [
        (date(2024, 1, 3), "neighbour"), (date(2023, 12, 30), "neighbour"), (date(2023, 12, 28), "url")]


def test_a_few_days_out_of_order_stays_in_the_same_year():
    items = items_from_rows([_row("2024-03-05"), _row("03-08"), _row("03-01")])
    assert [i.date for i in items] == [date(2024, 3, 5), date(2024, 3, 8), date(2024, 3, 1)]


def test_year_from_the_page_pubdate_meta():
    html = _list([("/show.asp?id=3", "[12-20]"), ("/show.asp?id=2", "[11-02]")],
                 head='<meta name="PubDate" content="2024-01-15 10:00">')
    assert _dates(html) == [(date(2023, 12, 20), "page"), (date(2023, 11, 2), "page")]


def test_year_from_the_visible_page_date():
    html = _list([("/show.asp?id=3", "[03-01]"), ("/show.asp?id=2", "[02-20]")],
                 tail="<p>发布时间：2024-03-02</p>")
    assert _dates(html) == [(date(2024, 3, 1), "page"), (date(2024, 2, 20), "page")]


@pytest.mark.parametrize("where", [
    '<meta name="others" content="页面生成时间 2023-10-11 11:36:07">',
    "<!-- 生成时间：2023-10-11 -->",
])
def test_year_from_the_generation_time(where):
    html = _list([("/show.asp?id=3", "10-11"), ("/show.asp?id=2", "09-30")], head=where)
    assert _dates(html) == [(date(2023, 10, 11), "page"), (date(2023, 9, 30), "page")]


def test_year_from_the_copyright_line_as_a_last_resort():
    html = _list([("/show.asp?id=3", "[03-05]")], tail='<div class="footer">Copyright © 2003-2022 示例市人民政府</div>')
    html = html.replace("</ul>", '<li><a href="/show.asp?id=2">第二条信息的标题内容</a><span>[03-01]</span></li></ul>')
    assert _dates(html) == [(date(2022, 3, 5), "page"), (date(2022, 3, 1), "page")]


def test_no_year_anywhere_stays_undated_never_today():
    html = _list([("/show.asp?id=3", "[03-05]"), ("/show.asp?id=2", "[03-01]")])
    assert _dates(html) == [(None, ""), (None, "")]


def test_page_date_long_before_a_month_day_reads_as_the_year_before_only_past_half_a_year():
    near = [item for item in items_from_rows([_row("12-20")])]
    fill_page_year(near, (2024, 10, 11))  # two months after the page date: kept in 2024 (a future date)
    far = items_from_rows([_row("12-20")])
    fill_page_year(far, (2024, 3, 1))  # nine months after: the year before
    assert (near[0].date, far[0].date) == (date(2024, 12, 20), date(2023, 12, 20))


def test_page_reference_order():
    assert page_reference({"PubDate": "2024-01-15"}, [], date(2020, 1, 1), "", "", "") == ((2024, 1, 15), "PubDate")
    assert page_reference({}, [], date(2020, 1, 2), "", "", "生成时间 2019-01-01") == ((2020, 1, 2), "visible date")
    assert page_reference({}, [], None, "x", "", "生成日期：2019-05-06") == ((2019, 5, 6), "生成时间")
    assert page_reference({}, [], None, "版权所有 2010-2021", "", "") == ((2021, 12, 31), "copyright")
    assert page_reference({}, [], None, "无", "", "") is None
