"""Cloaking (搜索引擎劫持): content that only search-engine crawlers are shown.

Judged from the run fact ``cloaking`` (``govwatch.crawl.sitefacts.bot_views`` refetched a sample
of pages as Baiduspider and as the crawl, at the same moment). What only the spider got —
a different title, text lines, off-site links — is rated with the banned-content lexicon
(``analysis.content.lexicon.banned_matcher``):

- banned terms in spider-only content → ``cloaking`` (error; the 2019 table's V1 veto
  "被挂马、篡改" names it, for a reviewer to confirm);
- a different title, spider-only off-site links, a redirect only the spider follows, or
  text that is mostly different, without banned terms → ``cloaking_suspected`` (warning:
  for review; pages that vary per request can look like this).

A spider that is refused (403 from a WAF) while people are served is no finding.
"""

from __future__ import annotations

import re
from typing import Any

from govwatch.analysis.content.lexicon import banned_matcher
from govwatch.checks import NotAssessed, check
from govwatch.core.model import Finding
from govwatch.crawl.error_wording import reason_text
from govwatch.rundata import RunData

SIMILARITY_SUSPECT = 0.5  # spider and normal text agreeing less than this is suspect
MAX_TERMS = 20
INDICATOR = "有害信息"


def spider_name(user_agent: str) -> str:
    """The crawler's name in its User-Agent (``Baiduspider`` of ``…(compatible; Baiduspider/2.0; …)``)."""
    found = re.search(r"compatible;\s*([\w-]+)", user_agent)
    return found.group(1) if found else user_agent


def _terms(page: dict[str, Any]) -> list[dict[str, str]]:
    """Banned terms in what only the spider was shown: [{term, category, label, where, context}]."""
    matcher = banned_matcher()
    places: list[tuple[str, str]] = []
    if page["title_differs"]:
        places.append(("title", page["spider"]["title"] or ""))
    places += [("text", line) for line in page["spider_only_text"]]
    places += [("link", link["text"]) for link in page["spider_only_links"]]
    found: dict[str, dict[str, str]] = {}
    for where, text in places:
        for start, end, term, (category, label) in matcher.iter(text):
            found.setdefault(term, {"term": term, "category": category, "label": label, "where": where,
                                    "context": text[max(0, start - 30):end + 30]})
    return list(found.values())[:MAX_TERMS]


def _suspect_reasons(page: dict[str, Any]) -> list[str]:
    reasons = []
    if page["title_differs"]:
        reasons.append(f"标题不同（爬虫：“{page['spider']['title']}”，普通访问：“{page['normal']['title']}”）")
    if page["final_url_differs"]:
        spider = page["spider"]
        reasons.append(f"爬虫被跳转到{spider['not_followed'] or spider['final_url']}")
    if page["spider_only_link_count"]:
        reasons.append(f"只有爬虫看到{page['spider_only_link_count']}个站外链接")
    if page["similarity"] < SIMILARITY_SUSPECT:
        reasons.append(f"正文相似度仅{page['similarity']:.0%}")
    return reasons


@check("cloaking.spider", family="security", kinds=("cloaking", "cloaking_suspected"))
def cloaking(data: RunData) -> list[Finding]:
    """Pages whose spider view differs from the normal one, rated by banned terms."""
    facts = data.run_fact("cloaking")
    if facts is None:
        raise NotAssessed("未以搜索引擎爬虫身份复查页面（security.cloaking 关闭，或该次检查早于站点探测）")
    if facts.get("error"):
        raise NotAssessed(f"搜索引擎爬虫复查失败：{reason_text(facts['error'])}")
    compared = [p for p in facts["pages"] if p["compared"]]
    if not compared:
        raise NotAssessed(f"搜索引擎爬虫复查的{facts['sample']}个页面都未能取得两种访问结果")
    findings = []
    for page in compared:
        if (page["spider"]["status"] or 0) >= 400 and (page["normal"]["status"] or 0) < 400:
            continue  # the spider is refused (a WAF blocks crawler user agents from our address): no cloaking
        terms = _terms(page)
        reasons = _suspect_reasons(page)
        if not terms and not reasons:
            continue
        evidence = {
            "user_agent": spider_name(facts["spider_user_agent"]), "spider_user_agent": facts["spider_user_agent"],
            "terms": terms, "reasons": reasons, "title": page["spider"]["title"], "normal_title": page["normal"]["title"],
            "spider_status": page["spider"]["status"], "normal_status": page["normal"]["status"],
            "similarity": page["similarity"], "spider_only_text": page["spider_only_text"][:10],
            "spider_only_links": page["spider_only_links"][:10], "diff": page["diff"][:1000],
        }
        if terms:
            listed = "、".join(f"“{t['term']}”（{t['label']}）" for t in terms[:3])
            findings.append(Finding(
                kind="cloaking", code="cloaking.spam", indicator=INDICATOR, url=page["url"],
                message=f"以搜索引擎爬虫（{evidence['user_agent']}）身份访问时页面内容不同，含{listed}等有害信息，普通访问者看不到",
                evidence=evidence))
        else:
            findings.append(Finding(
                kind="cloaking_suspected", code="cloaking.differs", indicator=INDICATOR, url=page["url"],
                message=f"以搜索引擎爬虫（{evidence['user_agent']}）身份访问时页面内容不同：" + "；".join(reasons) + "，请人工核实",
                evidence=evidence, severity="warning"))
    return findings
