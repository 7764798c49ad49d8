"""Identity and standards (docs/sources.md §5): the footer identity block, meta tags, domain naming.

Pure functions of the run's stored page facts (``facts["footer"]``, ``facts["meta"]``,
``facts["meta_variants"]``, ``facts["publish_date"]``). Footers are site templates, so the
footer is judged on the homepage and a bounded sample of other pages, one finding per
(item, problem) with the pages as evidence. Meta-tag gaps are grouped per page type and
missing set; per-page problems (a PubDate that disagrees with the visible date) are reported
page by page up to :data:`PER_PAGE_CAP`. See docs/identity.md.
"""

from __future__ import annotations

import ipaddress
import re
from bisect import insort
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from govwatch.checks import NotAssessed, check
from govwatch.core.identifiers import check_icp, check_police_record, check_site_code
from govwatch.core.model import Finding
from govwatch.extract.walk import GOVCN_JIUCUO
from govwatch.rundata import RunData

FOOTER_SAMPLE = 20       # pages besides the homepage whose footer is judged
EXAMPLES = 10            # example pages listed in a grouped finding
PER_PAGE_CAP = 20        # per-page meta findings reported before only the count goes on

ITEM_LABELS = {
    "conac": "党政机关网站标识", "site_code": "网站标识码", "icp": "ICP备案号", "police_record": "公安机关备案号",
    "sponsor": "网站主办单位", "contact": "联系方式", "jiucuo": "“我为政府网站找错”入口",
}
ITEM_INDICATOR = {item: ("“我为政府网站找错”" if item == "jiucuo" else "网站标识") for item in ITEM_LABELS}

SITE_TAGS = ("SiteName", "SiteDomain", "SiteIDCode")
REQUIRED_TAGS = {
    "home": SITE_TAGS,
    "list": (*SITE_TAGS, "ColumnName", "ColumnDescription", "ColumnKeywords", "ColumnType"),
    "article": (*SITE_TAGS, "ArticleTitle", "PubDate", "ContentSource"),
}
TYPE_LABELS = {"home": "首页", "list": "栏目页", "article": "文章页"}
_PUBDATE = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::\d{2})?")
_GOV_SUFFIXES = (".gov.cn", ".政务", ".xn--zfr164b")


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def is_ip_or_local(host: str) -> bool:
    """Loopback, IP-literal and ``localhost`` hosts (tests, the simulator): domain rules skip them."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def site_identity(data: RunData) -> tuple[str | None, str]:
    """The site's 网站标识码 and where it comes from: the registry (registered sites), the site
    config, else the homepage footer."""
    registered = data.registered_site or {}
    if registered.get("site_code"):
        return str(registered["site_code"]), "registry"
    config_code = data.site_config.site_code
    if config_code:
        return str(config_code), "site_config"
    home = data.homepage() or {}
    footer_code = (home.get("footer") or {}).get("site_code")
    if footer_code:
        value, problem, _ = check_site_code(footer_code)
        if problem is None:
            return value, "footer"
    return None, "none"


def _page_type(data: RunData, url: str, facts: dict[str, Any]) -> str | None:
    """The homepage is judged as ``home`` whatever its extracted type."""
    return "home" if data.is_homepage(url) else facts.get("page_type")


_NOT_HTML = ("json", "xml", "javascript")  # list endpoints (JSON, dataproxy XML) are data, not pages


def _is_html(data: RunData, url: str) -> bool:
    """Whether a crawled page answered as a web page, not as JSON/XML data (no content type: a page)."""
    ctype = ((data.fetches.get(url) or {}).get("content_type") or "").split(";")[0].strip().lower()
    return "html" in ctype or not any(word in ctype for word in _NOT_HTML)


def _html_pages(data: RunData) -> Iterator[tuple[str, dict[str, Any], str]]:
    for url, facts in data.pages():
        ptype = _page_type(data, url, facts)
        if ptype in REQUIRED_TAGS and not facts.get("soft_404") and _is_html(data, url):
            yield url, facts, ptype


class _First:
    """How many entries a group has and its ``size`` first in :meth:`RunData.place` order, kept as it
    fills (a group may hold every page of the site; a place is read while its page is)."""

    __slots__ = ("count", "first", "size")

    def __init__(self, size: int) -> None:
        self.count = 0
        self.first: list[tuple[tuple[int, str], Any]] = []
        self.size = size

    def add(self, place: tuple[int, str], entry: Any) -> None:
        self.count += 1
        if len(self.first) < self.size or place < self.first[-1][0]:
            insort(self.first, (place, entry), key=lambda item: item[0])
            del self.first[self.size:]

    def entries(self) -> list[Any]:
        return [entry for _place, entry in self.first]


def _unread_footer(facts: dict[str, Any]) -> bool:
    """The footer may be written by scripts and the page was not rendered: not judged."""
    return bool(facts.get("footer_by_script")) and not facts.get("rendered")


def _footer_sample(data: RunData) -> tuple[list[tuple[str, dict[str, Any]]], int]:
    """The homepage and up to FOOTER_SAMPLE other pages whose footer can be read (the nearest to
    the homepage: ``RunData.place``), and how many pages were left out before the sample
    was full because scripts may write their footer and they were not rendered."""
    home = data.homepage()
    sample: list[tuple[str, dict[str, Any]]] = []
    unread = 0
    home_url = None
    if home is not None:
        home_url = next((u for u in data.homepage_urls if data.page(u) is not None), data.site_url)
        if _unread_footer(home):
            unread += 1
        else:
            sample.append((home_url, home))
    wanted = FOOTER_SAMPLE + 1 - len(sample)
    readable = _First(wanted)  # the nearest pages whose footer can be read
    unreadable: list[tuple[int, str]] = []  # the places of those whose footer may be a script's
    for url, facts, ptype in _html_pages(data):
        if url != home_url and ptype != "home":
            if _unread_footer(facts):
                unreadable.append(data.place(url))
            else:
                readable.add(data.place(url), url)
    if readable.count >= wanted:  # those nearer than the last page of the sample were left out
        unread += sum(place < readable.first[-1][0] for place in unreadable)
    else:
        unread += len(unreadable)
    for url in readable.entries():
        if (chosen := data.page(url)) is not None:
            sample.append((url, chosen))
    return sample, unread


def _footer_problems(footer: dict[str, Any], code: str | None,
                     host: str) -> Iterator[tuple[str, str, str, str | None, str]]:
    """(item, problem key, severity, observed, Chinese reason) of one page's footer on ``host``."""
    if not footer.get("conac"):
        yield "conac", "missing", "error", None, "未放置党政机关网站标识（dcs.conac.cn 脚本或 bszs.conac.cn 链接）"
    validators = {"site_code": check_site_code, "icp": check_icp, "police_record": check_police_record}
    for item, validate in validators.items():
        raw = footer.get(item)
        if not raw:
            yield item, "missing", "error", None, f"未标注{ITEM_LABELS[item]}"
            continue
        value, problem, warning = validate(raw)
        if problem:
            yield item, "invalid", "error", raw, f"{ITEM_LABELS[item]}「{raw}」格式不正确或为占位值"
        elif warning:
            yield item, "legacy", "warning", raw, f"{ITEM_LABELS[item]}「{raw}」为旧版12位格式（现行为14位）"
        elif item == "site_code" and code and value != code:
            yield item, "mismatch", "error", raw, f"网站标识码「{raw}」与本网站的标识码{code}不一致"
    for item in ("sponsor", "contact"):
        if not footer.get(item):
            yield item, "missing", "error", None, f"未标注{ITEM_LABELS[item]}"
    jiucuo = footer.get("jiucuo_site_code")
    if not jiucuo and footer.get("jiucuo_govcn"):
        if host != "www.gov.cn":  # the national portal's own 纠错 page is its entry, no other site's
            yield ("jiucuo", "invalid", "error", GOVCN_JIUCUO,
                   "“我为政府网站找错”入口链接到中国政府网自身的纠错页，未带本网站的标识码")
    elif not jiucuo:
        yield "jiucuo", "missing", "error", None, "未添加“我为政府网站找错”入口"
    elif check_site_code(jiucuo)[1] is not None:  # a placeholder or malformed code, whatever the footer shows
        yield "jiucuo", "invalid", "error", jiucuo, f"“我为政府网站找错”入口的网站标识码「{jiucuo}」格式不正确或为占位值"
    elif code and jiucuo.lower() != code.lower():
        yield "jiucuo", "mismatch", "error", jiucuo, f"“我为政府网站找错”入口的网站标识码{jiucuo}与本网站的标识码{code}不一致"


@check("footer_identity", family="identity", kinds=("footer_item_missing", "footer_item_invalid"))
def footer_identity(data: RunData) -> Iterator[Finding]:
    """页面底部功能区: each identity item present and valid, judged on the homepage and a sample."""
    sample, unread = _footer_sample(data)
    if not sample and unread:
        raise NotAssessed(f"{unread}个页面的底部功能区可能由脚本写入，未渲染无法判断（开启 render.enabled 后重新检查）")
    if not sample:
        raise NotAssessed("没有抓取到可读取页脚的页面")
    code, code_source = site_identity(data)
    host = (urlsplit(data.site_url).hostname or "").lower()
    groups: dict[tuple[str, str, str | None], dict[str, Any]] = {}
    for url, facts in sample:
        for item, key, severity, observed, reason in _footer_problems(facts.get("footer") or {}, code, host):
            g = groups.setdefault((item, key, observed), {"severity": severity, "reason": reason, "pages": []})
            g["pages"].append(url)
    for (item, key, observed), g in groups.items():
        pages = g["pages"]
        kind = "footer_item_missing" if key == "missing" else "footer_item_invalid"
        where = "首页及" if data.is_homepage(pages[0]) else ""
        yield Finding(
            kind=kind, code=f"identity.footer.{item}.{key}", indicator=ITEM_INDICATOR[item], url=pages[0],
            target=f"footer:{item}:{key}:{observed or ''}", severity=g["severity"],
            message=f"页面底部功能区：{g['reason']}（抽查{len(sample)}个页面，{where}{len(pages)}个页面存在此问题）",
            evidence={"item": item, "problem": key, "observed": observed,
                      "expected": code if key == "mismatch" else None, "site_code": code, "site_code_source": code_source,
                      "page_count": len(pages), "sampled": len(sample), "pages": pages[:EXAMPLES],
                      "homepage": any(data.is_homepage(p) for p in pages)})


def _visible_date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _pubdate_problem(pub: str, facts: dict[str, Any], as_of: date,
                     future_after: Callable[[], date]) -> tuple[str, str, str, str] | None:
    """An article's PubDate meta that is malformed, in the future (after ``future_after()``: the later
    of the day the page was fetched and the inspection day ``as_of``, asked only for a PubDate after
    ``as_of``) or not the date the page shows: ``(problem, observed, expected, reason)``."""
    m = _PUBDATE.fullmatch(pub)
    pub_day = _visible_date(pub) if m else None
    visible = _visible_date(facts.get("publish_date"))
    if not m or pub_day is None:
        return "format", pub, "YYYY-MM-DD HH:MM", f"PubDate「{pub}」格式不符合 YYYY-MM-DD HH:MM"
    if pub_day > as_of and pub_day > (latest := future_after()):
        limit = latest.isoformat()
        return "future", pub, f"不晚于{limit}", f"PubDate「{pub}」晚于抓取页面的日期{limit}，为未来日期"
    if visible is not None and visible != pub_day:
        return "mismatch", pub, visible.isoformat(), f"PubDate「{pub}」与页面显示的发布日期{visible.isoformat()}不一致"
    return None


@check("meta_tags", family="identity", kinds=("meta_tag_missing", "meta_tag_invalid"))
def meta_tags(data: RunData) -> Iterator[Finding]:
    """网页设计规范 meta tags by page type, their formats and their agreement with the site."""
    code, code_source = site_identity(data)
    site_host = _host(data.site_url)
    missing: dict[tuple[str, tuple[str, ...]], _First] = {}  # their pages
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}  # (tag, problem, observed) -> pages (a _First)
    per_page = _First(PER_PAGE_CAP)  # (url, tag, problem, observed, expected, reason)
    domain_hosts: dict[str, str] = {}  # SiteDomain value -> its host (a template's value repeats on every page)
    site_codes: dict[str, tuple[Any, ...]] = {}  # SiteIDCode value -> check_site_code's verdict
    seen = 0
    for url, facts, ptype in _html_pages(data):
        seen += 1
        place = data.place(url)
        meta = facts.get("meta") or {}
        variants = facts.get("meta_variants") or {}
        gaps = tuple(t for t in REQUIRED_TAGS[ptype] if not (meta.get(t) or "").strip())
        if gaps:
            missing.setdefault((ptype, gaps), _First(EXAMPLES)).add(place, url)
        for tag, variant in variants.items():
            grouped.setdefault((tag, "case", variant), {"expected": tag, "pages": _First(EXAMPLES), "severity": "warning",
                                                        "reason": f"标签名写作「{variant}」，规范写法为「{tag}」"})["pages"].add(place, url)
        site_domain = (meta.get("SiteDomain") or "").strip()
        if site_domain:
            observed_host = domain_hosts.get(site_domain)
            if observed_host is None:
                observed_host = domain_hosts[site_domain] = _host(
                    site_domain if "://" in site_domain else f"http://{site_domain}")
            if observed_host != site_host and observed_host != _host(url):
                grouped.setdefault(("SiteDomain", "mismatch", site_domain),
                                   {"pages": _First(EXAMPLES), "severity": "error"})["pages"].add(place, url)
        site_id = (meta.get("SiteIDCode") or "").strip()
        if site_id:
            if site_id not in site_codes:
                site_codes[site_id] = check_site_code(site_id)
            value, problem, _ = site_codes[site_id]
            if problem:
                grouped.setdefault(("SiteIDCode", "invalid", site_id), {
                    "expected": code, "pages": _First(EXAMPLES), "severity": "error",
                    "reason": f"SiteIDCode「{site_id}」不是有效的网站标识码"})["pages"].add(place, url)
            elif code and value != code.lower() and value != code:
                grouped.setdefault(("SiteIDCode", "mismatch", site_id), {
                    "expected": code, "pages": _First(EXAMPLES), "severity": "error",
                    "reason": f"SiteIDCode「{site_id}」与本网站的标识码{code}不一致"})["pages"].add(place, url)
        pub = (meta.get("PubDate") or "").strip()
        if pub and ptype == "article":
            pub_problem = _pubdate_problem(pub, facts, data.as_of, partial(data.future_after, url))
            if pub_problem is not None:
                per_page.add(place, (url, "PubDate", *pub_problem))
    if not seen:
        raise NotAssessed("没有抓取到首页、列表页或文章页")
    # the URL a group names and its examples: not crawl order (_First: by RunData.place)
    for (tag, _problem, observed), g in grouped.items():
        if tag == "SiteDomain":  # expected: the domain of the group's first page
            g["expected"] = page_host = _host(g["pages"].entries()[0])
            g["reason"] = f"SiteDomain「{observed}」与网站域名{page_host}不一致"
    for (ptype, gaps), group in missing.items():
        names, pages = "、".join(gaps), group.entries()
        yield Finding(
            kind="meta_tag_missing", code=f"identity.meta.missing.{ptype}", indicator="页面标签", url=pages[0],
            target=f"meta:{ptype}:{','.join(gaps)}",
            message=f"{group.count}个{TYPE_LABELS[ptype]}缺少页面标签 {names}",
            evidence={"page_type": ptype, "missing": list(gaps), **({"tag": gaps[0]} if len(gaps) == 1 else {}),
                      "page_count": group.count, "pages": pages})
    for (tag, problem, observed), g in grouped.items():
        group, pages = g["pages"], g["pages"].entries()
        yield Finding(
            kind="meta_tag_invalid", code=f"identity.meta.{tag}.{problem}", indicator="页面标签", url=pages[0],
            target=f"meta:{tag}:{problem}:{observed}", severity=g["severity"],
            message=f"{g['reason']}（{group.count}个页面）",
            evidence={"tag": tag, "problem": problem, "observed": observed, "expected": g["expected"],
                      **({"site_code_source": code_source} if tag == "SiteIDCode" else {}),
                      "page_count": group.count, "pages": pages})
    for url, tag, problem, observed, expected, reason in per_page.entries():
        yield Finding(
            kind="meta_tag_invalid", code=f"identity.meta.{tag}.{problem}", indicator="页面标签", url=url,
            target=f"meta:{tag}:{problem}", message=reason,
            evidence={"tag": tag, "problem": problem, "observed": observed, "expected": expected,
                      "total_pages": per_page.count, "reported": min(per_page.count, PER_PAGE_CAP)})
    host = site_host
    if host and not is_ip_or_local(host) and not host.endswith(_GOV_SUFFIXES):
        yield Finding(
            kind="meta_tag_invalid", code="identity.domain.naming", indicator="页面标签", url=data.site_url,
            target="domain:naming", message=f"网站域名{host}不以 .gov.cn 或 .政务 结尾",
            evidence={"tag": "SiteDomain", "problem": "domain_naming", "observed": host,
                      "expected": "*.gov.cn 或 *.政务"})
