"""Crawler-trap guards."""

from govwatch.crawl.traps import TrapGuard


def test_growing_query_is_a_trap() -> None:
    guard = TrapGuard(max_url_length=1024, max_query_variants=200)
    url = "http://h/search?q=a"
    assert guard.reason(url) is None
    for _ in range(3):
        url += "&q=a"
    assert "repeats the parameter 'q'" in (guard.reason(url) or "")


def test_calendar_is_cut_after_the_variant_cap() -> None:
    guard = TrapGuard(max_url_length=1024, max_query_variants=5)
    reasons = [guard.reason(f"http://h/calendar?month=2024-{m:02d}") for m in range(1, 9)]
    assert reasons[:5] == [None] * 5
    assert all(r and "query variants" in r for r in reasons[5:])


def test_pagination_is_exempt_from_the_variant_cap() -> None:
    guard = TrapGuard(max_url_length=1024, max_query_variants=2)
    urls = [f"http://h/module/web/jpage/dataproxy.jsp?startrecord={1 + 45 * g}&endrecord={45 * (g + 1)}"
            for g in range(10)]
    assert all(guard.reason(u, via="pagination") is None for u in urls)


def test_long_urls_and_repeated_segments() -> None:
    guard = TrapGuard(max_url_length=60, max_query_variants=10)
    assert "longer than 60" in (guard.reason("http://h/" + "a" * 80) or "")
    guard = TrapGuard(max_url_length=1024, max_query_variants=10)
    assert "repeats the segment 'x'" in (guard.reason("http://h/x/x/x/x/page.html") or "")
    assert guard.reason("http://h/news/2024/0305/1.htm") is None


def test_path_parameter_family_is_bounded_like_query_variants() -> None:
    guard = TrapGuard(max_url_length=1024, max_query_variants=5)
    reasons = [guard.reason(f"http://h/page.jsp;token={i:08x}") for i in range(8)]
    assert reasons[:5] == [None] * 5
    assert all(r and "variants (query or ;parameters) of /page.jsp" in r for r in reasons[5:])
    assert guard.reason("http://h/other.jsp;token=1") is None  # another path has its own budget
    assert guard.reason("http://h/page.jsp") is None  # the bare path is the page itself, not a variant
