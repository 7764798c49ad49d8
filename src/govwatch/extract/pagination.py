"""How a list continues: createPageHTML scripts, JCMS dataproxy groups, or pager links."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from govwatch.core.model import Pagination
from govwatch.extract.walk import collapse

__all__ = ["from_create_page_html", "from_dataproxy", "from_pager_links", "script_int", "is_pager_text"]

_CALL = re.compile(r"(?<![\w.])createPageHTML\s*\(([^()]*)\)")
_VAR = re.compile(r"\b(?:var|let|const)?\s*([A-Za-z_$][\w$]*)\s*=\s*(\"[^\"]*\"|'[^']*'|-?\d+)"
                  r"(?=\s*(?:[;,\n)]|//|/\*|$))")
_PAGER_WORDS = frozenset({"下一页", "下页", "尾页", "末页", "最后一页", "上一页", "上页", "首页", "第一页",
                          "后一页", "前一页", "next", "下一页>", "<上一页", "下一页>>", "<<上一页",
                          ">", "<", ">>", "<<", "»", "«"})
_NEXT_WORDS = ("下一页", "下页", "尾页", "末页", "最后一页", "后一页", "上一页", "上页", "前一页")
_PAGE_FILE = re.compile(r"(?:^|/)[A-Za-z]*[_-]?(\d{1,5})\.(?:s?html?|jsp|asp|aspx|php)$", re.I)
_TOTAL_PAGES = re.compile(r"共\s*(\d{1,5})\s*页|\d{1,5}\s*/\s*(\d{1,5})\s*页")
_TOTAL_RECORDS = re.compile(r"共\s*(\d{1,7})\s*(?:条|篇|项|个)")


def is_pager_text(text: str) -> bool:
    """Whether an anchor text is a pager control (a page number, 下一页, 尾页 …)."""
    t = text.strip()
    return t.isdigit() or t in _PAGER_WORDS or t.strip("<>»«[] ") in _PAGER_WORDS


def script_int(scripts: list[str], name: str) -> int | None:
    """An integer a script assigns to ``name`` (``var name = 15`` or ``name: '15'``)."""
    rx = re.compile(rf"\b{re.escape(name)}\b\s*[=:]\s*['\"]?(\d+)", re.I)
    for s in scripts:
        if name.lower() in s.lower():
            m = rx.search(s)
            if m:
                return int(m.group(1))
    return None


def _split_args(argtext: str) -> list[str]:
    return [a.strip() for a in re.findall(r"\"[^\"]*\"|'[^']*'|[^,]+", argtext) if a.strip()]


def _value(arg: str, variables: dict[str, str]) -> int | str | None:
    for _ in range(3):
        if arg[:1] in "\"'":
            return arg[1:-1]
        if re.fullmatch(r"-?\d+", arg):
            return int(arg)
        if arg in variables:
            arg = variables[arg]
            continue
        return None
    return None


def from_create_page_html(scripts: list[str], page_url: str,
                          resolve_url: Callable[[str | None], str | None]) -> Pagination | None:
    """Pages of a TRS ``createPageHTML(countPage, currentPage, prefix, suffix)`` call."""
    calls = [(s, m) for s in scripts if "createPageHTML" in s for m in _CALL.finditer(s)
             if not s[max(0, m.start() - 9):m.start()].rstrip().endswith("function")]
    if not calls:
        return None
    variables: dict[str, str] = {}
    for s in scripts:
        for name, val in _VAR.findall(s):
            variables.setdefault(name, val)
    script, call = calls[-1]
    local_vars = dict(variables)
    for name, val in _VAR.findall(script[: call.start()]):
        local_vars[name] = val  # the value assigned closest before the call wins
    values = [_value(a, local_vars) for a in _split_args(call.group(1))]
    ints = [v for v in values if isinstance(v, int)]
    first_int = next((i for i, v in enumerate(values) if isinstance(v, int)), len(values))
    strings = [v for v in values[first_int:] if isinstance(v, str)]
    if not ints:
        return None
    count = ints[0]
    current = ints[1] if len(ints) >= 2 else 0
    prefix, suffix = (strings + ["index", "html"])[:2] if len(strings) < 2 else strings[:2]
    total_records = ints[2] if len(ints) >= 3 and ints[2] >= count else None
    urls: list[str] = []
    own = resolve_url(page_url)
    for k in range(max(count, 0)):
        if k == current:
            continue
        name = f"{prefix}.{suffix}" if k == 0 else f"{prefix}_{k}.{suffix}"
        u = resolve_url(name)
        if u is not None and u != own and u not in urls:
            urls.append(u)
    return Pagination(kind="createPageHTML", page_urls=urls, total_pages=max(count, 0),
                      total_records=total_records)


def from_dataproxy(nextgroup_href: str, total: int | None, per_page: int | None, inline_count: int,
                   resolve_url: Callable[[str | None], str | None]) -> Pagination:
    """Every later record group of a JCMS list (the first 3×perPage records are inline)."""
    if per_page is None and inline_count and inline_count % 3 == 0:
        per_page = inline_count // 3
    pages = None
    urls: list[str] = []
    if total is not None and per_page:
        pages = -(-total // per_page)
        path, _, query = nextgroup_href.partition("?")
        group = 3 * per_page
        start = group + 1
        while start <= total:
            end = min(total, start + group - 1)
            q = f"startrecord={start}&endrecord={end}&perpage={per_page}"
            u = resolve_url(f"{path}?{q}&{query}" if query else f"{path}?{q}")
            if u is not None:
                urls.append(u)
            start += group
    return Pagination(kind="xml-dataproxy", page_urls=urls, total_pages=pages, total_records=total)


def _page_number(url: str) -> int | None:
    m = _PAGE_FILE.search(urlsplit(url).path)
    return int(m.group(1)) if m else None


def from_pager_links(anchors: list[tuple[LexborNode, str, str]], page_url: str,
                     resolve_url: Callable[[str | None], str | None]) -> Pagination | None:
    """Pagination from 下一页 / 上一页 / 尾页 / numbered links inside one pager element."""
    pager: LexborNode | None = None
    for node, _href, text in anchors:
        if text in _NEXT_WORDS or text.strip("<>»« ") in _NEXT_WORDS:
            p = node.parent
            if p is not None and p.tag in ("li", "span", "font", "b", "em", "td") and p.parent is not None:
                cand = p.parent
                if cand.tag in ("tr", "tbody"):
                    cand = cand.parent or cand
                p = cand
            pager = p
            break
    candidates: list[tuple[LexborNode, str, str]] = []
    if pager is not None:
        pid = pager.mem_id
        for a in anchors:
            q = a[0].parent
            for _ in range(4):
                if q is None:
                    break
                if q.mem_id == pid:
                    candidates.append(a)
                    break
                q = q.parent
    else:  # numbered links to list_2.htm-style files sharing one parent
        by_parent: dict[int, list] = {}
        for a in anchors:
            if a[2].isdigit() and len(a[2]) <= 4 and _PAGE_FILE.search(a[1].split("?")[0]):
                p = a[0].parent
                if p is not None and p.tag in ("li", "span") and p.parent is not None:
                    p = p.parent
                if p is not None:
                    by_parent.setdefault(p.mem_id, []).append(a)
        best = max(by_parent.values(), key=len, default=[])
        if len(best) < 2:
            return None
        candidates = best
        pager = best[0][0].parent
    own = resolve_url(page_url)
    urls: list[str] = []
    numbers: list[int] = []
    for _node, href, text in candidates:
        t = text.strip()
        if not is_pager_text(t):
            continue
        if t.isdigit():
            numbers.append(int(t))
        u = resolve_url(href)
        if u is not None and u != own and u not in urls:
            urls.append(u)
    if not urls:
        return None
    pager_text = collapse(pager.text(deep=True)) if pager is not None else ""
    total_pages = None
    m = _TOTAL_PAGES.search(pager_text)
    if m:
        total_pages = int(m.group(1) or m.group(2))
    elif numbers:
        total_pages = max(numbers)
    m = _TOTAL_RECORDS.search(pager_text)
    return Pagination(kind="links", page_urls=urls, total_pages=total_pages,
                      total_records=int(m.group(1)) if m else None)
