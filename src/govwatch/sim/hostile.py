"""The hostile site: crawler traps for robustness tests.

Each trap has a fixed site-relative path (see ``TRAPS``). The ``reset_all``
trap is a separate port whose server resets every connection (``server.py``).
"""

from __future__ import annotations

import re
import struct
import zlib
from functools import lru_cache
from html import escape

from govwatch.sim.response import HTML_UTF8, SimResponse

TRAPS: tuple[tuple[str, str], ...] = (
    ("calendar", "calendar?month=2024-01"),
    ("query_growth", "search?q=a"),
    ("redirect_loop", "loop/a.html"),
    ("redirect_chain", "chain/1.html"),
    ("huge", "huge.html"),
    ("gzip_bomb", "bomb.html"),
    ("malformed", "malformed.html"),
    ("bad_bytes", "badbytes.html"),
    ("hang", "hang.html"),
)
CHAIN_LENGTH = 12  # redirects before the chain ends: more than the usual limit of 10
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_MB = 1 << 20


@lru_cache(maxsize=2)
def gzip_bomb(inflated_size: int) -> bytes:
    """A gzip body of ~1 KB per MB that inflates to ``inflated_size`` zero bytes (rounded up to MB).

    Built from one deflate segment ended by a full flush: such segments are
    independent, so the same bytes repeat. Costs milliseconds, not a 100 MB pass.
    """
    blocks = max(1, -(-inflated_size // _MB))
    zeros = bytes(_MB)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    end = comp.flush()
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + segment * blocks + end + struct.pack("<II", crc, (blocks * _MB) & 0xFFFFFFFF)


def _page(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f"<body><h1>{escape(title)}</h1>\n{body}\n</body></html>\n").encode()


MALFORMED = (
    '<html><head><title>格式错误的页面</title><meta charset="utf-8"><meta name="SiteName" content="未闭合'
    "<body><div><div><p>段落<p>又一段<table><tr><td>单元格<td>第二格</tr><tr><td colspan=>x"
    '<a href="/">首页</a><a href=/malformed.html?x=1>不加引号</a><a href="/calendar?month=2024-01>未闭合引号'
    "<<<div>>> </p></p></span></html></body><!-- 未闭合注释 <a href='/hidden'>x</a>"
    "<script>var s = '</scr' + 'ipt>'; if (a < b && c > d) {}</script>"
    "<img src=><a>\x00空字符</a>&nbsp&amp;&#xZZ;&#99999999;<svg><p>svg里的段落</svg>"
)


class HostileSite:
    """Responds to the traps; every other path is a 404."""

    def __init__(self, root: str = "/", hang_seconds: float = 600.0, huge_bytes: int = 50 * _MB,
                 bomb_bytes: int = 105 * _MB) -> None:
        self.root = root
        self.hang_seconds = hang_seconds
        self.huge_bytes = huge_bytes
        self.bomb_bytes = bomb_bytes

    def respond(self, method: str, path: str, query: str = "", form: dict[str, str] | None = None) -> SimResponse:
        """The response to ``path?query`` (site-relative path)."""
        if path in ("", "index.html"):
            links = "\n".join(f'<li><a href="{self.root}{escape(url)}">{kind}</a></li>' for kind, url in TRAPS)
            return SimResponse(body=_page("爬虫陷阱测试站", f"<ul>{links}</ul>"))
        if path == "calendar":
            return self._calendar(query)
        if path == "search":
            grown = f"{query}&q=a" if query else "q=a"
            body = f'<p>搜索结果：无</p><a href="{self.root}search?{escape(grown)}">更多结果</a>'
            return SimResponse(body=_page("站内搜索", body))
        if path in ("loop/a.html", "loop/b.html"):
            other = "loop/b.html" if path.endswith("a.html") else "loop/a.html"
            return self._redirect(other)
        m = re.fullmatch(r"chain/(\d+)\.html", path)
        if m:
            n = int(m.group(1))
            if 1 <= n <= CHAIN_LENGTH:
                return self._redirect(f"chain/{n + 1}.html")
            if n == CHAIN_LENGTH + 1:
                return SimResponse(body=_page("跳转链终点", "<p>终点</p>"))
        if path == "huge.html":
            return SimResponse(fault="huge", headers={"Content-Length": str(self.huge_bytes)})
        if path == "bomb.html":
            return SimResponse(body=gzip_bomb(self.bomb_bytes), fault="gzip_bomb",
                               headers={"Content-Encoding": "gzip"})
        if path == "malformed.html":
            return SimResponse(body=MALFORMED.encode("utf-8"))
        if path == "badbytes.html":
            raw = (b'<html><head><meta charset="utf-8"><title>bad bytes</title></head><body><p>'
                   + "正常文字".encode() + b"\xff\xfe\xc3\x28\xa0\xa1\xe2\x82\xf0\x28\x8c\x28"
                   + "结尾".encode()[:-1] + b"</p></body></html>\n")
            return SimResponse(body=raw, content_type=HTML_UTF8)
        if path == "hang.html":
            return SimResponse(fault="hang", delay=self.hang_seconds)
        return SimResponse(status=404, body=_page("404 Not Found", ""))

    def _calendar(self, query: str) -> SimResponse:
        m = _MONTH.search(query)
        year, month = (int(m.group(1)), int(m.group(2))) if m else (2024, 1)
        if not 1 <= month <= 12 or not 1 <= year <= 9999:
            year, month = 2024, 1
        prev = (year - 1, 12) if month == 1 else (year, month - 1)
        nxt = (year + 1, 1) if month == 12 else (year, month + 1)
        body = (f'<a href="{self.root}calendar?month={prev[0]:04d}-{prev[1]:02d}">上个月</a> '
                f"<b>{year:04d}-{month:02d}</b> "
                f'<a href="{self.root}calendar?month={nxt[0]:04d}-{nxt[1]:02d}">下个月</a>')
        return SimResponse(body=_page(f"活动日历 {year:04d}-{month:02d}", body))

    def _redirect(self, target: str) -> SimResponse:
        return SimResponse(status=302, headers={"Location": self.root + target},
                           body=b"", content_type="text/html; charset=utf-8")
