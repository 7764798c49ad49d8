"""Date parsing: every form, year inference, impossible dates."""

from __future__ import annotations

from datetime import date

import pytest

from govwatch.extract.dates import epoch_date, find_date, find_dates, infer_year, parse_date, url_date_parts


@pytest.mark.parametrize("text, expected", [
    ("2024-03-05", date(2024, 3, 5)),
    ("2024/3/5", date(2024, 3, 5)),
    ("2024.03.05", date(2024, 3, 5)),
    ("2024年3月5日", date(2024, 3, 5)),
    ("2024年03月05日", date(2024, 3, 5)),
    ("2024年3月5号", date(2024, 3, 5)),
    ("24-03-05", date(2024, 3, 5)),
    ("24/3/5", date(2024, 3, 5)),
    ("24.03.05", date(2024, 3, 5)),
    ("24年3月5日", date(2024, 3, 5)),
    ("'24年3月5日", date(2024, 3, 5)),
    ("’24年3月5日", date(2024, 3, 5)),
    ("99-12-31", date(1999, 12, 31)),
    ("二〇二四年三月五日", date(2024, 3, 5)),
    ("二○二四年三月五日", date(2024, 3, 5)),
    ("二〇二四年十二月三十一日", date(2024, 12, 31)),
    ("二〇二四年十月二十日", date(2024, 10, 20)),
    ("二零二四年三月五日", date(2024, 3, 5)),
    ("二O二四年三月五日", date(2024, 3, 5)),  # letter O typed for 〇
    ("二〇二四年十月二十三日", date(2024, 10, 23)),
    ("二〇二四年三月三十一日", date(2024, 3, 31)),
    ("二〇二四年十月十日", date(2024, 10, 10)),
    ("二〇二四年二月廿九日", date(2024, 2, 29)),
    ("二〇二四年三月卅一日", date(2024, 3, 31)),
    ("一九九九年十二月二十日", date(1999, 12, 20)),
    ("2024年三月五日", date(2024, 3, 5)),
    ("于二〇二四年三月五日印发", date(2024, 3, 5)),
    ("２４年３月５日", date(2024, 3, 5)),
    ("２０２４．０３．０５", date(2024, 3, 5)),
    ("２０２４－０３－０５", date(2024, 3, 5)),
    ("２０２４年３月５日", date(2024, 3, 5)),
    ("发布时间：2024-03-05 09:30", date(2024, 3, 5)),
    ("2023-08-19 10∶08", date(2023, 8, 19)),
    ("(2024-3-5)", date(2024, 3, 5)),
    ("2024-02-29", date(2024, 2, 29)),
])
def test_full_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", [
    "2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024年4月31日", "23-02-29", "二〇二四年二月三十日",
    "二〇二四年三月三十二日", "二〇二三年二月廿九日", "24年2月30日",
])
def test_impossible_dates_rejected(text):
    assert parse_date(text) is None
    assert parse_date(text, default_year=2024) is None


@pytest.mark.parametrize("text, month, day", [("[03-05]", 3, 5), ("03-05", 3, 5), ("3月5日", 3, 5), ("12/28", 12, 28),
                                              ("［０３－０５］", 3, 5), ("(03-05)", 3, 5), ("3月5号", 3, 5)])
def test_month_day_needs_a_year(text, month, day):
    assert parse_date(text) is None  # never today's year
    assert parse_date(text, default_year=2023) == date(2023, month, day)
    (dm,) = find_dates(text)
    assert (dm.year, dm.month, dm.day) == (None, month, day)


def test_feb_29_without_year_is_kept_until_a_year_decides():
    assert parse_date("02-29", default_year=2024) == date(2024, 2, 29)
    assert parse_date("02-29", default_year=2023) is None


@pytest.mark.parametrize("text", [
    "0991-2859329", "10:08", "v1.2.3", "192.168.1.1", "1-2-3-4", "12345-03-05", "20240305", "第3.5期", "2024年3月",
])
def test_not_dates(text):
    assert find_dates(text, partial=False) == []


def test_two_digit_year_is_not_taken_from_inside_a_full_date():
    found = find_dates("发布：2024-03-05，更新：24-03-06")
    assert [d.date for d in found] == [date(2024, 3, 5), date(2024, 3, 6)]


def test_find_date_returns_matched_text_and_partial_switch():
    assert find_date("日期：2024年3月5日 09时") == (date(2024, 3, 5), "2024年3月5日")
    assert find_date("[03-05]") == (None, "03-05")
    assert find_date("[03-05]", default_year=2024) == (date(2024, 3, 5), "03-05")
    assert find_date("[03-05]", partial=False) == (None, "")
    assert find_date("无日期") == (None, "")


def test_positions_survive_full_width_digits():
    text = "时间：２０２４－０３－０５"
    (dm,) = find_dates(text)
    assert text[dm.start:dm.end] == "２０２４－０３－０５"


@pytest.mark.parametrize("url, parts", [
    ("http://x.gov.cn/news/gzdt/2024/0305/123.htm", (2024, 3, 5)),
    ("http://x.gov.cn/zwdt/202403/t20240305_123456.html", (2024, 3, 5)),
    ("http://x.gov.cn/art/2024/3/5/art_12_345.html", (2024, 3, 5)),
    ("http://x.gov.cn/col/c1/202611/abc.html", (2026, 11, None)),
    ("http://x.gov.cn/2023/news/a.html", (2023, None, None)),
    ("http://x.gov.cn/show.asp?id=20240305", (None, None, None)),
    ("http://x.gov.cn/a/t20240230_1.html", (2024, 2, None)),  # impossible day: month folder only
    (None, (None, None, None)),
])
def test_url_date_parts(url, parts):
    assert url_date_parts(url) == parts


def test_infer_year_from_neighbours():
    assert infer_year(3, 1, (2024, 3, 5), None) == 2024
    assert infer_year(12, 28, (2024, 1, 3), None) == 2023  # list runs newest first across New Year
    assert infer_year(1, 2, None, (2023, 12, 28)) == 2024
    assert infer_year(3, 1, None, (2024, 2, 20)) == 2024
    assert infer_year(3, 1, None, None) is None


def test_infer_year_later_in_the_year_than_the_row_above_is_the_year_before():
    assert infer_year(5, 10, (2024, 3, 5), None) == 2023  # not a two-month jump into the future
    assert infer_year(3, 6, (2024, 3, 5), None) == 2024  # a few days out of order: manual sorting
    assert infer_year(3, 20, (2024, 3, 5), None) == 2023
    assert infer_year(3, 20, (2024, 3, 5), None, slack_days=183) == 2024
    assert infer_year(2, 1, None, (2024, 3, 5)) == 2025  # earlier in the year than the row below
    assert infer_year(3, 1, None, (2024, 3, 5)) == 2024


@pytest.mark.parametrize("value, expected", [
    (1731024000000, date(2024, 11, 8)),  # epoch ms, 2024-11-08 08:00 in Shanghai
    (1731024000, date(2024, 11, 8)),  # seconds
    (1730995200000, date(2024, 11, 8)),  # 2024-11-07T16:00Z is already the 8th in Shanghai
    (2024, None), (-5, None), (10 ** 16, None),
])
def test_epoch_date_in_shanghai(value, expected):
    assert epoch_date(value) == expected
