"""How much of the site a crawl read: the run fact ``crawl`` (a site that cannot be read is never a pass).

Computed from the run's fetch rows after the crawl (and again whenever a stored run is checked),
stored as the run fact ``crawl`` and read by the ``crawl.coverage`` check, the scoring (checks that
read the crawl are not assessed on an incomplete run) and the documents. A run is incomplete when

- the homepage (the seed URL) could not be read: a connection error, a timeout, an HTTP error
  status, or a WAF challenge standing in for it (:mod:`govwatch.crawl.challenge`) —
  ``crawl.homepage_failed``;
- every page the crawl found was blocked by a WAF challenge — ``crawl.all_blocked``;
- the site asked the crawl to wait longer than ``crawl.max_retry_after`` (429/503 with a long
  Retry-After): the crawl of its host ended there and its pages were not read — ``crawl.rate_limited``;
- the crawl read fewer than ``crawl.min_read_share`` of the pages it found — ``crawl.low_read_share``.

A page is *found* when the crawl fetched it as a page (role ``page``); it is *read* when it
answered without an error class and with a status below 400, or with 404/410 (a definite answer:
the page does not exist, a broken link the link check reports). Pages cut by ``max_pages`` are
never fetched and not counted: the page limit is a choice, not a failure. The pages found but not
read are named in ``unread_pages`` (URL, status, error class; the first :data:`MAX_UNREAD_LISTED`),
a page cut at the size limit among them (``too_large``: its first bytes were still extracted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from govwatch.crawl.challenge import BLOCKED_PREFIX, is_blocked

FACT_NAME = "crawl"
MAX_UNREAD_LISTED = 200  # unread pages named in the fact (the count is ``pages_found - pages_read``)
_ANSWERED_MISSING = frozenset({404, 410})

# Fetch error classes in the words of the report.
ERROR_NAMES = {
    "dns": "域名解析失败", "connect": "无法建立连接（连接被拒绝或不可达）", "reset": "连接被重置",
    "connect_timeout": "连接超时（主机无响应）", "rate_limited": "网站限制访问频率，要求长时间等待（未检查）",
    "tls": "TLS/SSL握手失败", "timeout": "访问超时", "http": "HTTP协议错误", "too_large": "页面过大",
    "decode": "内容无法解码", "redirect_loop": "重定向循环", "too_many_redirects": "重定向次数过多",
    "invalid_url": "网址无效", "trap": "疑似无限网址（未访问）", "robots": "robots.txt 禁止访问（未访问）",
    "unverifiable": "无法核验（未访问）", "blocked_address": "内网或保留地址（未访问）", "other": "其他错误",
}


def is_read(row: Mapping[str, Any]) -> bool:
    """Whether a page's fetch row is a definite answer of the site (see the module docstring)."""
    status = row.get("status")
    if row.get("error") or status is None:
        return False
    return status < 400 or status in _ANSWERED_MISSING


def failure_text(row: Mapping[str, Any] | None) -> str:
    """Why a page could not be read, in Chinese: the error class's name (or WAF) and the HTTP status
    (the error class itself is data: the fact's ``homepage`` and ``unread_pages`` keep it)."""
    if row is None:
        return "未能抓取"
    status, error, detail = row.get("status"), row.get("error"), str(row.get("error_detail") or "")
    if is_blocked(row):
        vendor = detail[len(BLOCKED_PREFIX):].strip(" (").split(":")[0]
        return f"被网站防火墙（WAF）拦截，返回验证/拦截页面（{vendor}，HTTP {status}）"
    if error:
        name = ERROR_NAMES.get(error) or ERROR_NAMES["other"]
        return name + (f"（HTTP {status}）" if status and "（" not in name else
                       f"，HTTP {status}" if status else "")
    return f"服务器返回错误状态 HTTP {status}"


def crawl_coverage(fetches: Mapping[str, Mapping[str, Any]], homepage_url: str, homepage_urls: Iterable[str],
                   min_read_share: float, pages: Iterable[tuple[str, Mapping[str, Any]]] | None = None) -> dict[str, Any]:
    """The run fact ``crawl``: pages found, read and blocked, the homepage's outcome, and the reasons
    (``code``, ``message``) the run is incomplete — none when it is complete. ``pages``: the (url,
    row) of ``fetches`` whose role is ``page`` when the caller can read them alone."""
    found = read = blocked = limited = 0  # one pass, no list of the rows: 101,166 pages at 100,000
    limited_status = None  # the first status a rate-limited page gave
    unread: list[dict[str, Any]] = []
    for url, row in fetches.items() if pages is None else pages:
        if row.get("role") != "page":
            continue
        found += 1
        if is_read(row):
            read += 1
        elif len(unread) < MAX_UNREAD_LISTED:
            unread.append({"url": url, "status": row.get("status"), "error": row.get("error")})
        blocked += is_blocked(row)
        if row.get("error") == "rate_limited":
            limited += 1
            limited_status = limited_status or row.get("status")
    share = read / found if found else 0.0
    home_row = next((fetches[u] for u in (homepage_url, *homepage_urls) if u in fetches), None)
    home_read = home_row is not None and home_row.get("role") == "page" and is_read(home_row)
    reasons: list[dict[str, Any]] = []
    if not home_read:
        reasons.append({"code": "crawl.homepage_failed", "message": f"首页无法打开：{failure_text(home_row)}",
                        "url": homepage_url})
    if found > 1 and blocked == found:
        reasons.append({"code": "crawl.all_blocked", "message": f"抓取的{found}个页面全部被网站防火墙（WAF）拦截，"
                        "未能读取网站内容", "url": homepage_url})
    elif limited:
        reasons.append({"code": "crawl.rate_limited",
                        "message": f"网站限制访问频率（HTTP {limited_status or 429}，要求等待的时间超过设定上限），"
                                   f"抓取就此停止，{limited}个页面未检查", "url": homepage_url})
    elif home_read and share < min_read_share:
        reasons.append({"code": "crawl.low_read_share",
                        "message": f"只读取了发现的{found}个页面中的{read}个（{share:.0%}），低于要求的"
                                   f"{min_read_share:.0%}，其余页面无法打开",
                        "url": homepage_url})
    homepage = None if home_row is None else {
        "url": homepage_url, "read": home_read, "status": home_row.get("status"), "error": home_row.get("error"),
        "error_detail": home_row.get("error_detail"), "blocked": is_blocked(home_row)}
    return {"complete": not reasons, "reasons": reasons, "pages_found": found, "pages_read": read,
            "pages_blocked": blocked, "read_share": round(share, 4), "min_read_share": min_read_share,
            "homepage": homepage, "unread_pages": unread}
