"""The crawl frontier's record of queued URLs (``crawler.SeenUrls``): digests, not strings."""

from __future__ import annotations

from govwatch.crawl.crawler import SeenUrls


def test_add_reports_new_urls_once() -> None:
    seen = SeenUrls()
    assert seen.add("http://example.gov.cn/a.html") is True
    assert seen.add("http://example.gov.cn/a.html") is False
    assert seen.add("http://example.gov.cn/a.html?x=1") is True  # a query makes another URL
    assert len(seen) == 2


def test_membership_is_by_the_whole_url() -> None:
    seen = SeenUrls()
    seen.update({"http://example.gov.cn/col/1/", "https://example.gov.cn/col/1/"})
    assert "http://example.gov.cn/col/1/" in seen
    assert "https://example.gov.cn/col/1/" in seen
    assert "http://example.gov.cn/col/1" not in seen  # no trailing slash: another URL
    assert "http://example.gov.cn/col/10/" not in seen
    assert 42 not in seen


def test_many_similar_urls_stay_distinct() -> None:
    urls = [f"http://example.gov.cn/art/2026/{n:06d}.html" for n in range(50_000)]
    seen = SeenUrls()
    assert all(seen.add(url) for url in urls)
    assert len(seen) == len(urls)
    assert all(url in seen for url in urls)
    assert "http://example.gov.cn/art/2026/050000.html" not in seen


def test_unencodable_text_is_a_url_like_any_other() -> None:
    seen = SeenUrls()
    odd = "http://example.gov.cn/\udce4.html"  # a lone surrogate (undecodable bytes kept by the extractor)
    assert seen.add(odd) is True
    assert odd in seen
    assert "http://example.gov.cn/\u4e2d.html" not in seen


def test_the_table_grows_and_keeps_every_url() -> None:
    seen = SeenUrls(capacity=16)  # grows from 16 slots many times over
    urls = [f"http://example.gov.cn/u/{n}" for n in range(20_000)]
    for url in urls:
        assert seen.add(url) is True
    assert len(seen) == len(urls)
    assert all(url in seen for url in urls)
    assert not any(f"http://example.gov.cn/v/{n}" in seen for n in range(20_000))
    assert all(seen.add(url) is False for url in urls[::97])
    assert len(seen) == len(urls)


def test_a_key_computed_once_adds_and_finds_the_url() -> None:
    seen = SeenUrls()
    key = SeenUrls.key("http://example.gov.cn/a.html")
    assert seen.has(key) is False
    assert seen.add_key(key) is True
    assert seen.has(key) and "http://example.gov.cn/a.html" in seen
    assert seen.add("http://example.gov.cn/a.html") is False


def test_a_zero_digest_is_never_taken_for_an_empty_slot() -> None:
    seen = SeenUrls()
    zero_like = SeenUrls.key("x")[:0] + bytes(15) + b"\x01"  # where a zero digest would be stored
    assert seen.add_key(zero_like) is True
    assert seen.has(zero_like) and not seen.has(bytes(15) + b"\x02")
