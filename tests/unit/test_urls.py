"""URL normal form and site scope."""

import random

import pytest

from govwatch.core.urls import Scope, is_web_reference, normalize_url


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


# -- malformed references never raise (issue 17, item 1) --------------------------------------

def _malformed_inputs() -> list[str]:
    """Hand-picked hostile references, then every combination of hostile pieces around them."""
    hosts = ["host]", "[host", "[::1", "::1]", "[zz::1]", "h:port", "h:99999", "h:-1", "h:1:2", "a" * 64 + ".cn",
             "a" * 300, "xn--", "xn--zz", "例子\u0000.cn", "\ud800.cn", "a..b", ".", "..", "h\x00", "h\x07x",
             "h x", "h%zz", "h%00", "ｈ.cn", "例子。cn", "\u200d.cn", "h\u2100", "h＃", "@", "u:p@", "u@h@h"]
    paths = ["", "/", "/%", "/%zz", "/%e4%b8", "/a%", "/\x00", "/\x7f", "/../../..", "/a\nb", "/\ufffd",
             "/" + "x" * 100_000, "/;jsessionid=", "/?%zz=%", "/#%"]
    out = ["//host]/path", "http://[/", "http://]/", "http://[::1/", "http://h:port/", "http://h:99999999999/",
           "https://:80/", "http://", "//", "///", "http:", "http:/x", "\x00", "\x00http://h/", "[", "]",
           "%", "%%", "%zz", "\\\\[\\", "http://\ud800/", "http://h/\ud800", "?\ud800", "x" * 1_000_000]
    for scheme in ("http://", "https://", "//", "HTTP://"):
        for host in hosts:
            for path in paths:
                out.append(scheme + host + path)
    return out


def test_normalize_url_never_raises_on_malformed_references() -> None:
    bases = [None, "http://h/a/b.html", "http://[::1]:8080/x", "https://例子.cn/"]
    inputs = _malformed_inputs()
    assert len(inputs) > 1500
    for href in inputs:
        for base in bases:
            result = normalize_url(href, base)
            assert result is None or result.startswith(("http://", "https://")), (href[:80], base)


def test_normalize_url_never_raises_on_random_hostile_strings() -> None:
    rng = random.Random(17)
    alphabet = list("[]:/\\@%?#;=.&-_ ~") + ["%zz", "%e4", "xn--", "例", "\x00", "\x7f", "\t", "\ud800", "\u3002",
                                              "\uff0f", "\u200d", "1", "99999", "a" * 70, "http://", "//", "h"]
    for _ in range(20_000):
        href = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
        result = normalize_url(href, rng.choice([None, "http://h/a/b.html", "https://[::1]:8443/x/"]))
        assert result is None or result.startswith(("http://", "https://")), repr(href)
        assert result is None or normalize_url(result) == result, repr(href)  # and a normal form stays one


@pytest.mark.parametrize("href", ["//host]/path", "http://[::1/x", "http://" + "a" * 64 + "例.cn/",
                                  "http://例\u0000子.cn/", "http://h\x07/", "http://h:port/"])
def test_unusable_references_are_none_and_named_unusable(href: str) -> None:
    assert normalize_url(href, "http://h/") is None
    assert is_web_reference(href)


@pytest.mark.parametrize("href,web", [("mailto:a@b.cn", False), ("javascript:;", False), ("#x", False),
                                      ("weixin://dl", False), ("/a", True), ("a.html", True), ("//h/x", True),
                                      ("HTTPS://h/", True)])
def test_web_references(href: str, web: bool) -> None:
    assert is_web_reference(href) is web


# -- session ids (issue 17, item 5) ---------------------------------------------------------------

@pytest.mark.parametrize("href,expected", [
    ("/page.jsp;jsessionid=0A1B2C3D4E5F", "http://h/page.jsp"),
    ("/page.jsp;JSESSIONID=0A1B2C3D4E5F?id=7", "http://h/page.jsp?id=7"),
    ("/a/b;jsessionid=x1/c.html", "http://h/a/b/c.html"),
    ("/p.php;phpsessid=abc;sid=def", "http://h/p.php"),
    ("/p.php?PHPSESSID=9f8e7d6c5b4a39281706&id=3", "http://h/p.php?id=3"),
    ("/p.php?id=3&jsessionid=abc", "http://h/p.php?id=3"),
    ("/p.asp?ASPSESSIONIDQSCTRDQA=KLMNOPQRSTUV&cat=2", "http://h/p.asp?cat=2"),
    ("/p?sessionid=1&x=2", "http://h/p?x=2"),
    ("/p?sid=a8f5f167f44f4964e6c998dee827110c", "http://h/p"),
    ("/p?sid=3&id=12", "http://h/p?sid=3&id=12"),  # a short sid is a site or section id
    ("/p?id=a8f5f167f44f4964e6c998dee827110c", "http://h/p?id=a8f5f167f44f4964e6c998dee827110c"),
    ("/p;version=2", "http://h/p;version=2"),  # other path parameters are the page's own
    ("/p?consider=1", "http://h/p?consider=1"),
])
def test_session_ids_are_stripped(href: str, expected: str) -> None:
    assert normalize_url(href, "http://h/") == expected
