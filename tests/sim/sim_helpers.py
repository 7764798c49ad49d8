"""Constants and helpers of the simulator tests (imported by conftest and test modules)."""

from __future__ import annotations

import html
import re
import socket
from dataclasses import replace
from datetime import date

import aiohttp

from govwatch.core.urls import normalize_url
from govwatch.sim import SimOptions, default_sites

AS_OF = date(2026, 11, 22)
SLOW = 1.2  # slow_seconds in tests: longer than CLIENT_TIMEOUT
SLOW_OK = 0.05
CLIENT_TIMEOUT = 0.6
FAMILY_SITES = ("trs", "jcms", "legacy", "fgw", "jyj")
# The default portfolio, small, except the host sites: big enough for several list pages (trs, legacy)
# and several dataproxy groups (jcms).
_PAGES = {"jcms": 300, "trs": 200, "legacy": 200}
SITES = tuple(replace(s, pages=_PAGES[s.id]) if s.id in _PAGES else s for s in default_sites())
OPTIONS = SimOptions(seed=7, as_of=AS_OF, site_pages=120, slow_seconds=SLOW, slow_ok_seconds=SLOW_OK, sites=SITES)

_ATTR = re.compile(r"""(?:href|src)\s*=\s*"([^"]*)\"""")
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def links_in(text: str, base: str) -> list[str]:
    """Normalised targets of every href/src attribute (also inside XML CDATA records)."""
    out = []
    for raw in _ATTR.findall(text):
        url = normalize_url(html.unescape(raw), base)
        if url is not None:
            out.append(url)
    return out


def title_of(text: str) -> str:
    m = _TITLE.search(text)
    return m.group(1).strip() if m else ""


async def fetch(session: aiohttp.ClientSession, url: str, method: str = "GET", timeout: float = 5.0,
                **kwargs: object) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one request, without following redirects."""
    async with session.request(method, url, allow_redirects=False,
                               timeout=aiohttp.ClientTimeout(total=timeout), **kwargs) as resp:
        return resp.status, dict(resp.headers), await resp.read()


def raw_exchange(url: str, timeout: float = 3.0) -> bytes:
    """Send a bare GET over a plain socket; returns what came back (raises on reset/refusal)."""
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    host, port = hostport.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        for _ in range(1000):  # bounded read loop
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


# -- reading list pages the way the markup contract says (docs/sim-families.md) ---------------------------
_PAGER = re.compile(r'createPageHTML\((\d+), (\d+), "(\w+)", "(\w+)"\)')
_ISLAND = re.compile(r"var totalRecord = (\d+); var perPage = (\d+);")
_NEXTGROUP = re.compile(r'<nextgroup><!\[CDATA\[<a href="([^"]+)"')
FETCH_CALL = re.compile(r'fetch\("([^"]+)"\)')


def script_pages(text: str, url: str) -> list[str]:
    """Every list page a TRS createPageHTML script implies (same folder), the first included."""
    m = _PAGER.search(text)
    if not m:
        return []
    count, _, prefix, suffix = int(m.group(1)), m.group(2), m.group(3), m.group(4)
    names = [f"{prefix}.{suffix}"] + [f"{prefix}_{k}.{suffix}" for k in range(1, count)]
    return [normalize_url(n, url) for n in names]


def jcms_groups(text: str, url: str) -> list[str]:
    """Every later dataproxy group the data island implies (docs/sim-families.md)."""
    total = _ISLAND.search(text)
    nextgroup = _NEXTGROUP.search(text)
    if not total or not nextgroup:
        return []
    records, per_page = int(total.group(1)), int(total.group(2))
    href = normalize_url(nextgroup.group(1), url)
    endpoint, _, query = href.partition("?")
    size = 3 * per_page
    groups = []
    for g in range(1, -(-records // size)):
        start, end = 1 + g * size, min(records, (g + 1) * size)
        groups.append(f"{endpoint}?startrecord={start}&endrecord={end}&perpage={per_page}&{query}")
    return groups


# -- a small date parser, independent of govwatch.extract ------------------------------------------------
_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0}
_URL_DAY = (
    re.compile(r"/t(\d{4})(\d{2})(\d{2})_\d+\.html$"),  # trs
    re.compile(r"/art/(\d{4})/(\d{1,2})/(\d{1,2})/art_\d+_\d+\.html$"),  # jcms
    re.compile(r"/(\d{4})/(\d{2})(\d{2})/\d+\.htm$"),  # legacy
)


def url_day(url: str) -> date | None:
    """The date a family's article URL carries."""
    for pattern in _URL_DAY:
        m = pattern.search(url)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None


def _cn_small(text: str) -> int:
    """一 .. 三十一 as an integer."""
    if "十" not in text:
        return _CN_DIGIT[text]
    tens, _, ones = text.partition("十")
    return (_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[ones] if ones else 0)


def parse_shown_date(text: str, url: str) -> date | None:
    """A date as a list or homepage shows it; ``None`` when nothing is shown.

    Forms: 2024-03-05, 2024/03/05, 2024.03.05, 2024年03月05日, [24-03-05], [03-05] or 03-05
    (year from the item URL), 二〇二四年三月五日. Anything else fails the test.
    """
    text = text.strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text) \
        or re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(r"\[(\d{2})-(\d{2})-(\d{2})\]", text)
    if m:
        return date(2000 + int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(r"\[?(\d{2})-(\d{2})\]?", text)
    if m:
        day = url_day(url)
        assert day is not None, f"no year for {text!r} in {url}"
        return date(day.year, int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"([〇○一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日", text)
    if m:
        year = int("".join(str(_CN_DIGIT[c]) for c in m.group(1)))
        return date(year, _cn_small(m.group(2)), _cn_small(m.group(3)))
    raise AssertionError(f"unparsed date {text!r} ({url})")
