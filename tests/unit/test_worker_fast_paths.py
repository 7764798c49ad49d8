"""The extraction worker's and the crawler's fast paths (docs/benchmarks.md, "CPU of the extraction workers, second pass") give what the slow
paths they stand in front of give, over the simulator's pages, the real-page corpus and made-up
inputs aimed at the edges: ``style_blocks`` against the regular expression's ``findall``, the
personal-data scan's gates, ``challenge_marker`` on bytes, ``normalize_url``'s plain-URL path and
the resolver's skipped schemes."""

from __future__ import annotations

import itertools
import random
import re
from datetime import date
from pathlib import Path

import pytest

from govwatch.analysis.content import personal
from govwatch.core import urls
from govwatch.crawl import challenge
from govwatch.extract.resolve import Resolver, clear_cache
from govwatch.extract.text import page_text_from_body
from govwatch.extract.visibility import _STYLE_BLOCK, style_blocks
from govwatch.sim import SimOptions, default_sites
from govwatch.sim.portfolio import site_origins
from govwatch.sim.site import SiteGenerator

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "real-pages" / "pages"
ORIGIN = "http://127.0.0.1:8000"


def _bodies() -> list[tuple[str, bytes, str]]:
    out = []
    options = SimOptions(seed=7, site_pages=60)
    for site in default_sites():
        spec = options.spec(site.id)
        gen = SiteGenerator(options, spec, options.portfolio.index(spec),
                            site_origins(options, spec, ORIGIN, "http://127.0.0.1:9/", "http://127.0.0.1:9/"))
        paths = [path for path, _kind in gen.iter_pages()] + list(gen.iter_files())
        for path in paths:
            answer = gen.respond("GET", path)
            if answer.status == 200 and answer.content_type.startswith("text/html"):
                out.append((ORIGIN + path, answer.body, answer.content_type))
    if CORPUS.is_dir():
        out += [(f"http://www.example.gov.cn/{f.name}", f.read_bytes(), "text/html")
                for f in sorted(CORPUS.glob("*.html"))]
    return out


@pytest.fixture(scope="module")
def bodies() -> list[tuple[str, bytes, str]]:
    return _bodies()


def _text(body: bytes) -> str:
    return body.decode("utf-8", "replace")


# -- style blocks ---------------------------------------------------------------------------

_STYLES = ["", "<style>a{}</style>", "<STYLE type=x>b</Style >", "<style>unclosed", "<style>a</style><style>b",
           "<style>x</style\n>y<style>z</STYLE>", "<stylex>no</style>", "<style a='>'>c</style>",
           "<style>a<style>b</style>c</style>", "</style><style></style>", "<ſtyle>long s</ſtyle>",
           "<style>İK</style>", "<style\n>n\n</style\t>"]


def test_style_blocks_are_the_regular_expressions(bodies: list[tuple[str, bytes, str]]) -> None:
    texts = [_text(b) for _u, b, _c in bodies] + ["".join(p) for p in itertools.product(_STYLES, repeat=3)]
    for text in texts:
        assert style_blocks(text) == _STYLE_BLOCK.findall(text), text[:200]


# -- personal data --------------------------------------------------------------------------

def _find_personal_slow(text: str, as_of: date) -> list[personal.PersonalMatch]:
    """find_personal as it was before its gates."""
    out: list[personal.PersonalMatch] = []
    taken: list[tuple[int, int]] = []
    if personal._FOUR_DIGITS.search(text) is None:
        return out
    for m in personal._ID.finditer(text):
        if personal.valid_resident_id(m.group(1), as_of):
            out.append(personal.PersonalMatch("id_card", personal.mask("id_card", m.group(1)), m.start(1)))
            taken.append(m.span(1))
        elif personal.id_shaped(m.group(1)):
            taken.append(m.span(1))
    for m in personal._CARD.finditer(text):
        digits = re.sub(r"[ -]", "", m.group(1))
        if any(a < m.end(1) and m.start(1) < b for a, b in taken):
            continue
        if personal.valid_bank_card(digits):
            out.append(personal.PersonalMatch("bank_card", personal.mask("bank_card", digits), m.start(1)))
            taken.append(m.span(1))
    for m in personal._MOBILE.finditer(text):
        if not any(a <= m.start(1) < b for a, b in taken):
            out.append(personal.PersonalMatch("mobile", personal.mask("mobile", m.group(1)), m.start(1)))
    out.sort(key=lambda p: p.start)
    return out


def test_personal_gates_change_nothing(bodies: list[tuple[str, bytes, str]]) -> None:
    as_of = date(2026, 12, 5)
    texts = []
    for _url, body, ct in bodies:
        page = page_text_from_body(body, ct)
        texts += [page.title, *(t for _c, t in page.segments)]
    rng = random.Random(5)
    alphabet = "0123456789 -X*＊１２a电话"
    seeds = ["110101199003074514", "13812345678", "6222021234567890123", "4111 1111 1111 1111", "5500-0000-0000-0004",
             "2221000000000009", "3530111333300000", "11010119900307451X", "0571-12345678", "2026-12-05"]
    for _ in range(20000):
        parts = [rng.choice(seeds) if rng.random() < 0.5 else "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 25)))
                 for _ in range(rng.randint(1, 4))]
        texts.append(rng.choice(["", " ", "号", "1"]).join(parts))
    for text in texts:
        assert personal.find_personal(text, as_of) == _find_personal_slow(text, as_of), text


# -- WAF challenge markers ------------------------------------------------------------------

def _challenge_slow(status: int | None, body: bytes) -> challenge.Marker | None:
    if not body or status is None:
        return None
    blocking = status in challenge.BLOCK_STATUSES
    if not blocking and (status >= 400 or len(body) > challenge.MAX_CHALLENGE_BYTES):
        return None
    text = challenge._text(body)
    return next((m for m in challenge.markers() if (blocking or m.strong) and m.text in text), None)


def test_only_two_characters_lower_case_to_ascii() -> None:
    found = tuple(chr(c) for c in range(0x80, 0x110000)
                  if not 0xD800 <= c <= 0xDFFF and any(ch.isascii() for ch in chr(c).lower()))
    assert found == challenge._LOWER_TO_ASCII


def test_challenge_markers_on_bytes_are_the_texts(bodies: list[tuple[str, bytes, str]]) -> None:
    assert challenge._strong_ascii() is not None  # the fast path is taken
    strong = [m.text for m in challenge.markers() if m.strong]
    weak = [m.text for m in challenge.markers() if not m.strong][:6]
    rng = random.Random(3)
    fillers = ["", "网站安全狗", "<p>", "İ", "K", "Ä", "\u0130", "\u212a", "ſ", "\x00", "é"]
    samples = [body[:20000] for _u, body, _c in bodies[:300]]
    for _ in range(3000):
        words = [rng.choice(strong + weak + fillers) for _ in range(rng.randint(1, 5))]
        words = [w.upper() if rng.random() < 0.3 else w.replace("i", "İ").replace("k", "K") if rng.random() < 0.1 else w
                 for w in words]
        text = rng.choice(["", " "]).join(words)
        for encoding in ("utf-8", "gb18030"):
            try:
                samples.append(text.encode(encoding))
            except UnicodeEncodeError:
                pass
    samples += [b"\xff\xfe__jsluid", "__JSLUID".encode("utf-16"), b"x" * 65535 + "é__jsluid".encode(), b"cf-CHL-"]
    for body in samples:
        for status in (200, 403, 404, None):
            assert challenge.challenge_marker(status, body) == _challenge_slow(status, body), body[:80]


# -- URLs -----------------------------------------------------------------------------------

def _normalize_slow(href: str, base: str | None) -> str | None:
    plain = urls._PLAIN
    urls._PLAIN = re.compile(r"(?!)")
    try:
        return urls.normalize_url(href, base)
    finally:
        urls._PLAIN = plain


def _hrefs(bodies: list[tuple[str, bytes, str]]) -> list[tuple[str, str]]:
    out = []
    for url, body, _ct in bodies:
        for m in re.finditer(r"""(?:href|src)\s*=\s*["']([^"']*)["']""", _text(body)):
            out.append((m.group(1), url))
    return out


def test_plain_urls_normalize_as_before(bodies: list[tuple[str, bytes, str]]) -> None:
    pairs = _hrefs(bodies)
    real = len(pairs)  # the pages' own links (the simulator's, and the real corpus's when it is there)
    bases = ["http://a.gov.cn/", "https://a.gov.cn:443/x/y/", "http://a.gov.cn:80/x/", "http://a.gov.cn:8080/x/y.html",
             "http://127.0.0.1:08080/", "http://a.gov.cn:99999/", "http://A.gov.cn/", "http://a.gov.cn/x//y/", None]
    pieces = ["", "/", "a", "b.html", ".", "..", ".x", "~", "-", "_", "?", "q=1", "&", "sid=0123456789abcdef0123",
              "SESSIONID=1", "#f", ";", "%41", "//", ":", "http://", "https://h.cn", "HTTP://h", "h.cn:0", ":65536",
              "中文", " ", "\\", "@", "jsessionid"]
    rng = random.Random(11)
    for _ in range(20000):
        pairs.append(("".join(rng.choice(pieces) for _ in range(rng.randint(1, 7))), rng.choice(bases)))  # type: ignore[arg-type]
    taken = 0
    for i, (href, base) in enumerate(pairs):
        fast = urls.normalize_url(href, base)
        assert fast == _normalize_slow(href, base), (href, base)
        taken += i < real and fast is not None and urls._PLAIN.fullmatch(fast) is not None
    assert taken > real // 8  # the fast path is taken for many of the pages' own links (21 % of the simulator's)


def test_the_resolver_skips_schemes_as_normalize_does() -> None:
    clear_cache()
    hrefs = ["javascript:void(0)", "JavaScript:doZoom(18)", "mailto:a@b.cn", "tel:123", "data:x", "about:blank",
             "sms:1", "ftp://h/x", "file:///x", "javascriptx:y", "java:x", "http:x", "https:x", "mailto", "tel:"]
    for base in ("http://a.gov.cn/x/y.html", None, "http://a.gov.cn"):
        resolver = Resolver(base)
        for href in hrefs:
            assert resolver(href) == urls.normalize_url(href, base), (href, base)


def test_plain_joins_are_urljoins(bodies: list[tuple[str, bytes, str]]) -> None:
    from urllib.parse import urljoin

    pairs = [(url, href.strip()) for href, url in _hrefs(bodies) if href.strip()]
    bases = ["http://a.gov.cn", "http://a.gov.cn/", "https://a.gov.cn:443/x/y/", "http://a.gov.cn:80/x/",
             "http://a.gov.cn:8080/x/y.html", "http://a.gov.cn/x//y/", "http://a.gov.cn/./x/", "http://a.gov.cn/x/../",
             "http://a.gov.cn/.x/", "http://a.gov.cn/x/?q=1", "http://a.gov.cn/x;p/", "http://u@a.gov.cn/x/",
             "http://a.gov.cn\n", "http://a.gov.cn/x/\n", "HTTP://a.gov.cn/x/", "http://A.gov.cn/x/", "ftp://a.gov.cn/x/",
             "http://a.gov.cn:99999/x/", "http://a.gov.cn#f", "//a.gov.cn/x/"]
    pieces = ["", "/", "a", "b.html", ".", "..", ".x", "~", "-", "_", "?", "q", "#", ";", "%41", "//", ":", "中",
              " ", "\t", "\n", "./", "../", "x/"]
    rng = random.Random(13)
    for _ in range(30000):
        pairs.append((rng.choice(bases), "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))))
    taken = 0
    for base, href in pairs:
        if href:
            assert urls._join(base, href) == urljoin(base, href), (base, href)
            taken += urls._ROOTED.fullmatch(href) is not None or urls._RELATIVE.fullmatch(href) is not None
    assert taken > 1000
