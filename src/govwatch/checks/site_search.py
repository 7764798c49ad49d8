"""Site search (站内搜索): is there one, does it answer, does it find the site's own articles.

Judged from the run fact ``site_search`` (``govwatch.crawl.sitefacts.site_search`` found the search
box on the homepage and searched for the titles of the newest articles, and once with a typo):

- no search box or search link on the homepage → ``search_missing``;
- a search request that fails (network error, status ≥ 400) or answers an error page →
  ``search_broken`` (one finding for the site, the failing requests counted);
- the search answers, but the articles searched for are not among the results →
  ``search_no_results``: an error when none of them is found and every answer says so in words
  (“没有找到”…); a warning when some are found, or when an answer shows neither results nor such
  words (results a script fills in after the page loads are not read);
- only when the rule table asks for it (``search.typo_tolerance``), and the search found the article
  by its exact title: the query with one character dropped does not find it →
  ``search_typo_intolerant`` (seed 001: 错别字自动纠正).

A search box that only scripts submit cannot be queried without running them, and a search that
redirects elsewhere (a shared search on another host, offline) is not followed: not assessed.
"""

from __future__ import annotations

from typing import Any

from govwatch.checks import NotAssessed, check
from govwatch.core.model import Finding
from govwatch.crawl.error_wording import reason_text
from govwatch.rundata import RunData

INDICATOR = "搜索功能"
MAX_LISTED = 5


def _failure(query: dict[str, Any]) -> str | None:
    """Why one search request failed (Chinese), or None when it answered."""
    if query["error"]:
        return reason_text(query["error"])
    if (query["status"] or 0) >= 400:
        return f"返回HTTP {query['status']}"
    result = query["result"] or {}
    if result.get("error") and not result.get("found"):
        return f"返回错误页面（“{result['error']}”）"
    return None


def _asked(query: dict[str, Any]) -> dict[str, Any]:
    """A query as evidence."""
    result = query["result"] or {}
    return {"query": query["query"], "request_url": query["request_url"], "status": query["status"],
            "expected_url": query["expected_url"], "found": bool(result.get("found")), "links": result.get("links", 0),
            "no_result": result.get("no_result")}


@check("search.site", family="search",
       kinds=("search_missing", "search_broken", "search_no_results", "search_typo_intolerant"))
def site_search(data: RunData) -> list[Finding]:
    """The site's search against its own recent articles (see the module's docstring)."""
    fact = data.run_fact("site_search")
    if fact is None:
        raise NotAssessed("未探测站内搜索（站点探测关闭，或该次检查早于站内搜索探测）")
    if fact.get("error"):
        raise NotAssessed(f"站内搜索探测失败：{reason_text(fact['error'])}")
    home = fact.get("home_url") or data.site_url
    if fact["status"] == "missing":
        return [Finding(kind="search_missing", code="search.missing", indicator=INDICATOR, url=home,
                        message="首页未提供站内搜索（未找到搜索框或搜索入口）",
                        evidence={"forms": fact.get("forms", 0)})]
    if fact["status"] != "queried":
        raise NotAssessed(fact.get("reason") or "站内搜索未能检验")
    entry = fact["entry"]
    base = {"search_url": entry["url"], "method": entry["method"], "field": entry["field"], "engine": entry["engine"]}
    titles = [q for q in fact["queries"] if q["kind"] == "title" and not q.get("not_followed")]
    if not titles:
        away = fact["queries"][0].get("not_followed") if fact["queries"] else None
        raise NotAssessed(f"站内搜索跳转到{away}，按网络策略未访问" if away else "站内搜索未能检验")
    failed = [(q, why) for q in titles if (why := _failure(q)) is not None]
    if failed:
        first, why = failed[0]
        return [Finding(kind="search_broken", code="search.broken", indicator=INDICATOR, url=home, target=entry["url"],
                        message=f"站内搜索不可用：{len(titles)}次搜索中{len(failed)}次出错（{why}）",
                        evidence={**base, "failed": len(failed), "queries": len(titles), "reason": why,
                                  "status": first["status"], "error": first["error"],
                                  "asked": [_asked(q) for q, _ in failed[:MAX_LISTED]]})]
    findings: list[Finding] = []
    missed = [q for q in titles if not (q["result"] or {}).get("found")]
    if missed:
        listed = "、".join(f"“{q['query']}”" for q in missed[:3])
        findings.append(Finding(
            kind="search_no_results", code="search.no_results", indicator=INDICATOR, url=home, target=entry["url"],
            message=f"用本站最近发布的文章标题搜索，{len(titles)}次中{len(missed)}次未搜到该文章（{listed}等）",
            evidence={**base, "missed": len(missed), "queries": len(titles),
                      "asked": [_asked(q) for q in missed[:MAX_LISTED]]},
            severity="error" if len(missed) == len(titles) and all(
                (q["result"] or {}).get("no_result") for q in missed) else "warning"))
    if data.rules.search_typo_tolerance:
        findings += _typo(fact["queries"], titles, home, entry["url"], base)
    return findings


def _typo(queries: list[dict[str, Any]], titles: list[dict[str, Any]], home: str, target: str,
          base: dict[str, Any]) -> list[Finding]:
    """``search_typo_intolerant`` when the typo query misses an article its exact title finds."""
    typo = next((q for q in queries if q["kind"] == "typo"), None)
    exact = next((q for q in titles if typo is not None and q["expected_url"] == typo["expected_url"]), None)
    if typo is None or exact is None or not (exact["result"] or {}).get("found") or _failure(typo) is not None:
        return []
    result = typo["result"] or {}
    if result.get("found"):
        return []
    return [Finding(
        kind="search_typo_intolerant", code="search.typo", indicator=INDICATOR, url=home, target=target,
        message=f"站内搜索不能纠正错别字：搜索“{typo['query']}”（“{exact['query']}”少一个字）未搜到该文章",
        evidence={**base, "query": typo["query"], "intended": exact["query"], "expected_url": typo["expected_url"],
                  "suggestion": result.get("suggestion"), "asked": [_asked(typo)]},
        severity="warning")]
