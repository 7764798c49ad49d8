"""Counterfeit sites (假冒政府网站) on record for the inspected site.

Judged from the run fact ``counterfeit`` (:mod:`govwatch.crawl.sitefacts.counterfeit`: the pages
elsewhere that ``govwatch counterfeit check`` / ``candidates --probe`` found claiming this site's
identity, docs/counterfeit.md). Each open or reported one is a ``counterfeit_site`` finding on the
site's homepage, its ``target`` the counterfeit page: an error when the page shows an identifier only
the site may show (网站标识码, 公安备案号, conac id) on another host, a warning for a suspect (the ICP
number or the name only). The office's duty is to verify and report it (seed 001); the rule tables do
not deduct points for it (docs/counterfeit.md).
"""

from __future__ import annotations

from govwatch.checks import NotAssessed, check
from govwatch.core.model import Finding
from govwatch.rundata import RunData

INDICATOR = "假冒网站"
_LOOKALIKE = {"prefix": "在本站域名前加字符", "suffix": "换用其他后缀", "hyphen": "gov/cn加连字符或连写",
              "homoglyph": "形近字符替换", "pinyin": "拼音变体", "typo": "拼写错误"}


@check("identity.counterfeit", family="identity", kinds=("counterfeit_site",))
def counterfeit_sites(data: RunData) -> list[Finding]:
    """One finding per counterfeit or suspect page on record for this site."""
    facts = data.run_fact("counterfeit")
    if facts is None:
        raise NotAssessed("未读取假冒网站线索（该次检查未记录假冒网站核查结果）")
    findings = []
    for s in facts.get("suspects") or []:
        if s["verdict"] not in ("counterfeit", "suspect"):
            continue
        shown = "、".join(f"{i['label']}{i['value']}" for i in s["identifiers"] if i["which"] != "name")
        host = s["host"] + (f"（{_LOOKALIKE[s['lookalike']]}的相似域名）" if s.get("lookalike") in _LOOKALIKE else "")
        confirmed = s["verdict"] == "counterfeit"
        what = "假冒本网站的页面" if confirmed else "疑似假冒本网站的页面"
        message = (f"发现{what}：{s['url']}，主机 {host}" + (f"，冒用{shown}" if shown else "")
                   + "；请核实并向网信、公安等主管部门报告")
        evidence = {k: s.get(k) for k in ("url", "host", "verdict", "confidence", "lookalike", "identifiers", "source",
                                          "state", "first_seen_at", "last_seen_at", "title")}
        evidence["suspect_id"] = s["id"]
        findings.append(Finding(kind="counterfeit_site", code=f"counterfeit.{s['verdict']}", indicator=INDICATOR,
                                url=data.site_url, target=s["url"], message=message, evidence=evidence,
                                severity="error" if confirmed else "warning"))
    return findings
