"""URL normal form and site scope."""

import pytest

from govwatch.core.urls import Scope, normalize_url


@pytest.mark.parametrize("href,base,expected", [
    ("../a/./b c.html#frag", "http://EX.gov.cn:80/x/y/z.html", "http://ex.gov.cn/x/a/b%20c.html"),
    ("./202403/t20240305_1.html", "http://h/col/c1/index.html", "http://h/col/c1/202403/t20240305_1.html"),
    ("HTTPS://H.gov.cn:443", None, "https://h.gov.cn/"),
    ("http://h/路径?q=中", None, "http://h/%E8%B7%AF%E5%BE%84?q=%E4%B8%AD"),
    ("http://h/a%20b", None, "http://h/a%20b"),
    ("/x?b=2&a=1", "http://h/", "http://h/x?b=2&a=1"),
    ("\\\\h2\\x.html", "http://h/", "http://h2/x.html"),
])
def test_normal_form(href: str, base: str | None, expected: str) -> None:
    assert normalize_url(href, base) == expected


@pytest.mark.parametrize("href", ["javascript:void(0)", "mailto:a@b.cn", "#top", "", "   ", "tel:12345",
                                  "http://h:99999/", "ftp://h/x"])
def test_unfetchable_references_are_none(href: str) -> None:
    assert normalize_url(href, "http://h/") is None


def test_normal_form_is_idempotent() -> None:
    url = normalize_url("HTTP://Ex.gov.cn/a/../b/c d/?x=1#y")
    assert url is not None and normalize_url(url) == url


def test_host_scope_accepts_both_schemes_and_rejects_other_hosts() -> None:
    scope = Scope.for_site("http://www.x.gov.cn/")
    assert scope.prefix == "/"
    assert scope.contains("https://www.x.gov.cn/col/a.html")
    assert not scope.contains("http://other.gov.cn/")
    assert not scope.contains("http://www.x.gov.cn:8080/")


def test_prefix_scope_stays_under_its_prefix() -> None:
    scope = Scope.for_site("http://127.0.0.1:8080/sites/fgw/index.html")
    assert scope.prefix == "/sites/fgw/"
    assert scope.contains("http://127.0.0.1:8080/sites/fgw/col/a.html")
    assert not scope.contains("http://127.0.0.1:8080/sites/jyj/")
    assert not scope.contains("http://127.0.0.1:8080/")


def test_extra_hosts_and_exclusions() -> None:
    scope = Scope.for_site("http://www.x.gov.cn/", extra_hosts=("files.x.gov.cn",), excluded_prefixes=("/fgw/",))
    assert scope.contains("http://files.x.gov.cn/a.pdf")
    assert not scope.contains("http://www.x.gov.cn/fgw/index.html")
    assert scope.contains("http://www.x.gov.cn/col/index.html")


@pytest.mark.parametrize("homepage,prefix", [
    ("http://h/index.html", "/"),
    ("http://h/", "/"),
    ("http://h/sites/fgw/index.shtml", "/sites/fgw/"),
    ("http://h/sites/fgw", "/sites/"),
])
def test_scope_of_a_homepage_file(homepage: str, prefix: str) -> None:
    scope = Scope.for_site(homepage)
    assert scope.prefix == prefix
    assert scope.contains(normalize_url(homepage) or "")
