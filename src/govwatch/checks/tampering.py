"""Tampering against a stored baseline (页面被篡改): pages compared with the previous run.

The baseline is the site's newest completed run before this one (:meth:`RunData.baseline`).
Compared: the homepage and the list pages (columns) crawled in both runs, homepage first, then
in crawl order, at most :data:`MAX_PAGES` (articles rarely change once published; the
homepage and the columns are where injected notices and links show). Per page, only signs of
tampering are taken from the differences — new news items and new on-site links are ordinary
updates:

- banned terms (``content.lexicon``, as ``analysis.content.text_scan.banned_hits`` finds them in the title,
  the visible text and the link texts) that the baseline page did not have — error;
- off-host scripts or frames (page facts ``embeds``) from hosts the baseline page did not load;
- off-site hyperlinks (visible or hidden) not on the baseline page, to hosts that are not
  official or central news sites (``govwatch.core.official.benign_link_host``); they count by
  themselves only when their host is new to the page (a new article on a site the page already
  links to is an ordinary update), and are listed as evidence whenever another sign is there.

One finding per page (kind ``tampering``, code ``security.baseline_change``), with a short unified
diff of the page's visible text lines as evidence. Its ``source`` is the page itself, so its
fingerprint differs from a ``security.injected_*`` finding on the same page and target.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterator
from contextlib import closing
from typing import Any
from urllib.parse import urlsplit

from govwatch.analysis.content.text_scan import banned_hits
from govwatch.checks import NotAssessed, check
from govwatch.core.model import Finding
from govwatch.core.official import benign_link_host, hostname
from govwatch.extract.text import PageText, page_text_from_body
from govwatch.rundata import RunData

MAX_PAGES = 200  # homepage and list pages compared per run
MAX_DIFF_LINES = 40
MAX_LINE_CHARS = 200
MAX_LISTED = 20  # new links / terms / hosts kept in the evidence
HYPERLINK_TAGS = frozenset({"a", "area"})


def _pages(data: RunData) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(url, baseline url, facts, baseline facts) of the homepage and the list pages crawled in
    both runs, at most :data:`MAX_PAGES`."""
    chosen: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}
    home_urls = sorted(data.homepage_urls, key=lambda u: u != data.site_url)  # the site URL first
    home = next(((u, p) for u in home_urls if (p := data.page(u)) is not None), None)
    base_home = next(((u, p) for u in home_urls if (p := data.baseline_page(u)) is not None), None)
    if home is not None and base_home is not None:
        chosen[home[0]] = (base_home[0], home[1], base_home[1])
    for page_type in ("home", "list"):
        with closing(data.pages(page_type)) as pages:  # type: ignore[type-var]
            for url, facts in pages:
                if len(chosen) >= MAX_PAGES:
                    break
                if url not in chosen and not data.is_homepage(url) \
                        and (base := data.baseline_page(url)) is not None:
                    chosen[url] = (url, facts, base)
    return [(url, base_url, facts, base) for url, (base_url, facts, base) in chosen.items()]


def _text(body: bytes | None, facts: dict[str, Any]) -> PageText | None:
    """The visible text of a stored body, decoded as extraction decoded it."""
    if body is None:
        return None
    encoding = facts.get("encoding")
    return page_text_from_body(body, f"text/html; charset={encoding}" if encoding else "")


def _lines(text: PageText | None) -> list[str]:
    """The visible text as whitespace-collapsed lines (table cells first, then the rest)."""
    if text is None:
        return []
    return [s[:MAX_LINE_CHARS] for _where, segment in text.segments
            for line in segment.split("\n") if (s := " ".join(line.split()))]


def _offsite(data: RunData, facts: dict[str, Any], links: list[tuple[str, str, str]]) -> dict[str, str]:
    """Off-site hyperlinks (stored and hidden, script-written included) to hosts that are not
    official or central news sites: url -> anchor text."""
    found = [(u, text) for u, tag, text in links if tag in HYPERLINK_TAGS]
    found += [(h["url"], h.get("text") or "") for h in facts.get("hidden_links") or ()]
    return {u: text for u, text in found
            if u.startswith(("http://", "https://")) and not data.scope.contains(u)
            and not benign_link_host(hostname(u))}


def _embed_hosts(facts: dict[str, Any]) -> dict[str, str]:
    """Host -> first URL of the page's off-host scripts and frames."""
    hosts: dict[str, str] = {}
    for embed in facts.get("embeds") or ():
        hosts.setdefault(urlsplit(embed["url"]).netloc, embed["url"])
    return hosts


def _diff(before: list[str], after: list[str]) -> str:
    return "\n".join(itertools.islice(difflib.unified_diff(before, after, "baseline", "current", lineterm="", n=0),
                                      MAX_DIFF_LINES))


@check("tampering.baseline", family="security", kinds=("tampering",))
def tampering_baseline(data: RunData) -> Iterator[Finding]:
    """Pages that gained banned terms, unknown off-site links or off-host scripts since the previous run."""
    run = data.baseline_run()
    if run is None:
        raise NotAssessed("没有可比较的上次检查记录（首次检查）")
    pages = _pages(data)
    if not pages:
        raise NotAssessed("上次检查与本次检查没有共同的首页或栏目页")
    base = data.baseline()
    assert base is not None
    links = data.links_from(url for url, _b, _f, _bf in pages)
    base_links = base.links_from(base_url for _u, base_url, _f, _bf in pages)
    as_of = str(run["as_of"])[:10]
    for url, base_url, facts, base_facts in pages:
        before_links = _offsite(data, base_facts, base_links.get(base_url, []))
        after_links = _offsite(data, facts, links.get(url, []))
        new_links = {u: t for u, t in after_links.items() if u not in before_links}
        before_hosts = {hostname(u) for u in before_links}
        new_hosts = [u for u in new_links if hostname(u) not in before_hosts]
        before_embeds = _embed_hosts(base_facts)
        new_embeds = {h: u for h, u in _embed_hosts(facts).items() if h not in before_embeds}
        before_text = _text(data.baseline_body(base_url), base_facts)
        after_text = _text(data.body(url), facts)
        new_terms: list[dict[str, Any]] = []
        if after_text is not None:
            known = {h["term"] for h in banned_hits(before_text)} if before_text is not None else set()
            new_terms = [h for h in banned_hits(after_text) if h["term"] not in known]
        if not (new_terms or new_embeds or new_hosts):
            continue
        evidence: dict[str, Any] = {
            "signal": "baseline_change", "baseline_run": run["id"], "baseline_as_of": as_of,
            "new_links": [{"url": u, "text": t[:100]} for u, t in itertools.islice(new_links.items(), MAX_LISTED)],
            "new_terms": [{k: h[k] for k in ("term", "category", "label", "where", "context")}
                          for h in new_terms[:MAX_LISTED]],
            "new_embed_hosts": list(new_embeds)[:MAX_LISTED],
            "diff": _diff(_lines(before_text), _lines(after_text))}
        if data.is_homepage(url) and after_text is not None and before_text is not None \
                and after_text.title != before_text.title and any("title" in h["where"] for h in new_terms):
            evidence["title"] = {"baseline": before_text.title, "current": after_text.title}
        yield Finding(kind="tampering", code="security.baseline_change", indicator="安全", url=url, source=url,
                      target=next(iter([*new_hosts, *new_links, *new_embeds.values()]), None),
                      severity="error" if new_terms else "warning", evidence=evidence,
                      message=_message(as_of, evidence, new_terms, len(new_links)))


def _message(as_of: str, evidence: dict[str, Any], new_terms: list[dict[str, Any]], links: int) -> str:
    """与上次检查（date）相比，[首页标题被改为「…」，]页面新增了…"""
    parts = []
    if new_terms:
        parts.append("有害信息关键词" + "、".join(f"「{h['term']}」" for h in new_terms[:5]))
    if links:
        parts.append(f"{links}个外部链接（如 {evidence['new_links'][0]['url']}）")
    if evidence["new_embed_hosts"]:
        parts.append("外部脚本或框架来源 " + "、".join(evidence["new_embed_hosts"][:3]))
    title = f"首页标题被改为「{evidence['title']['current'][:60]}」，" if "title" in evidence else ""
    return f"与上次检查（{as_of}）相比，{title}页面新增了" + "；".join(parts) + "，疑似被篡改"
