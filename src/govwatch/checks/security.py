"""Security signs in stored pages (docs/sources.md §2 安全 veto, §7): dark links and injected scripts or frames.

Pure functions of the facts extraction stores for each page (``hidden_links``, ``embeds``:
:mod:`govwatch.extract.security_signs`). Official and well-known benign hosts are left out at
extraction (``data/official_hosts.yaml``). One finding per page and target.

- ``dark_link``: an off-host link a visitor does not see. A hidden box the page itself seems to
  toggle (tab panel, drop-down menu: ``interactive``) counts only when its anchor text holds a
  banned term.
- ``tampering`` (code ``security.injected_script`` / ``security.injected_iframe``): a script or
  frame from an unknown host on only a few pages of the site (a host the site's template loads on
  most pages is the site's own choice of service, not an injection), or one that is hidden.

Pages changed since the previous run are judged by :mod:`govwatch.checks.tampering`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from govwatch.analysis.content.lexicon import banned_matcher
from govwatch.checks import NotAssessed, check
from govwatch.core.model import Finding
from govwatch.crawl.error_wording import code_text
from govwatch.rundata import RunData

TEMPLATE_SHARE = 0.5  # an embed host on at least this share of pages is the template's


def _banned(text: str) -> tuple[str, str] | None:
    """(term, category) of the first banned term in ``text``."""
    for _start, _end, term, (category, _label) in banned_matcher().iter(text):
        return term, category
    return None


@check("security.signs", family="security", kinds=("dark_link", "tampering"))
def security_signs(data: RunData) -> Iterator[Finding]:
    """Dark links and injected off-host scripts or frames on crawled pages."""
    pages = 0
    flagged: list[tuple[str, dict[str, Any]]] = []
    hosts: Counter[str] = Counter()
    for url, facts in data.pages():
        pages += 1
        if facts.get("hidden_links") or facts.get("embeds"):
            flagged.append((url, facts))
            hosts.update({urlsplit(e["url"]).netloc for e in facts.get("embeds") or ()})
    if pages == 0:
        raise NotAssessed("没有抓取到页面")
    for url, facts in flagged:
        for link in facts.get("hidden_links") or ():
            banned = _banned(link["text"])
            if link.get("interactive") and banned is None:
                continue
            evidence = {"href": link["url"], "text": link["text"], "reason": link["reason"], "css": link["css"],
                        "selector": link.get("selector", ""), "script": link.get("script", False),
                        "category": banned[1] if banned else None}
            yield Finding(kind="dark_link", code="security.dark_link", indicator="安全", url=url,
                          target=link["url"], evidence=evidence,
                          message=f"页面含有隐藏的外部链接「{link['text'] or link['url']}」（{code_text(link['reason'])}）"
                                  + (f"，锚文本含有害信息关键词「{banned[0]}」" if banned else ""))
        for embed in facts.get("embeds") or ():
            host = urlsplit(embed["url"]).netloc
            if hosts[host] >= TEMPLATE_SHARE * pages and not embed.get("hidden"):
                continue
            tag = "script" if embed["tag"] == "script" else "iframe"
            yield Finding(kind="tampering", code=f"security.injected_{tag}", indicator="安全", url=url,
                          target=embed["url"], severity="error" if embed.get("hidden") else "warning",
                          evidence={"signal": f"injected_{tag}", "tag": embed["tag"], "host": host,
                                    "hidden": embed.get("hidden", ""), "pages_with_host": hosts[host]},
                          message=f"页面加载了未知外部站点 {host} 的{'脚本' if tag == 'script' else '框架'}"
                                  + ("（隐藏）" if embed.get("hidden") else ""))
