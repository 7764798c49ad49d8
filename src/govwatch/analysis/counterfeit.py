"""Counterfeit government sites (假冒政府网站): does a page found at some host claim the identity of a
registered site, and is that host the site's own?

:func:`page_profile` reads what a page says about whom it belongs to (meta ``SiteName`` /
``SiteIDCode``, the footer's 网站标识码 / ICP / 公安备案 / 主办, the 找错 entry's code, the conac badge's
id) plus its text shingles and tag paths for similarity. :func:`decide` judges one profile against the
registry (:class:`RegistrySite`, with the registered site's stored homepage profile when the store has
one) and returns a :class:`Decision`: ``genuine`` (the host is the site's registered host, an alias, or
a subdomain of its domain: a department's sub-site), ``counterfeit`` (an identifier only that site may
show — 网站标识码, 公安备案号, conac id — on a host that is not the site's), ``suspect`` (weaker ties:
the ICP number, which sub-sites of one organisation share, or the site's name with a look-alike host or
a copied page) or ``unrelated``. Naming a site is never enough for ``counterfeit``.

Pure: no network, no store. docs/counterfeit.md describes the evidence and the confidence.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from govwatch.analysis.lookalike import lookalike_relation
from govwatch.core.identifiers import is_placeholder_code
from govwatch.core.model import PageFacts
from govwatch.extract.decode import decode_html
from govwatch.extract.page import extract_page
from govwatch.extract.text import page_text

__all__ = ["PageProfile", "RegistrySite", "Decision", "page_profile", "decide", "decide_all", "netloc",
           "text_similarity", "structure_similarity", "VERDICTS", "SUSPECT_SIMILARITY"]

VERDICTS = ("counterfeit", "suspect", "genuine", "unrelated")
SUSPECT_SIMILARITY = 0.6  # a named page this like the registered homepage (text or structure) is a suspect
_SHINGLE = 4
_MAX_TEXT = 30_000
_MAX_NODES = 8_000
# Identifier weights: how strongly one match ties a page to one site (combined as 1 - Π(1 - w)).
_WEIGHTS = {"site_code": 0.6, "police_record": 0.5, "conac": 0.5, "icp": 0.3, "name": 0.15, "sponsor": 0.1}
_STRONG = ("site_code", "police_record", "conac")
_WHERE = {
    "meta": "meta标签SiteIDCode", "footer_code": "页面底部网站标识码", "jiucuo": "“我为政府网站找错”入口",
    "icp": "页面底部ICP备案号", "police_record": "页面底部公安机关备案号", "conac": "党政机关网站标识",
    "site_name": "meta标签SiteName", "title": "页面标题", "sponsor": "页面底部主办单位",
}
_WHICH = {"site_code": "网站标识码", "police_record": "公安机关备案号", "conac": "党政机关网站标识",
          "icp": "ICP备案号", "name": "网站名称", "sponsor": "主办单位"}
_RELATION_TEXT = {"registered": "登记的首页主机", "alias": "登记网站的另一域名", "subsite": "登记域名的下级域名",
                  "lookalike": "仿冒登记域名的相似域名", "gov_cn": "未登记的.gov.cn域名", "other": "非登记域名"}
_LOOKALIKE_TEXT = {"prefix": "在登记域名前加字符", "suffix": "换用其他后缀", "hyphen": "gov/cn加连字符或连写",
                   "homoglyph": "形近字符替换", "pinyin": "拼音变体", "typo": "拼写错误"}
_ICP_NUMBER = re.compile(r"([\u4e00-\u9fff])\s*ICP\s*备\s*(\d{5,12})", re.I)
_POLICE_DIGITS = re.compile(r"(\d{12,14})")
_CONAC = re.compile(r"(?:bszs\.conac\.cn/sitename\?[^\"'\s>]*?\bid=([0-9A-Fa-f]{16,40})"
                    r"|dcs\.conac\.cn/js/[\d/]+/(CA\d{15,30})\.js)")


@dataclass(slots=True)
class PageProfile:
    """What one page says about whose it is, and its shape for similarity."""

    url: str
    facts: PageFacts
    text: str  # visible text, spaces removed, at most _MAX_TEXT characters
    tag_paths: Counter[str] = field(default_factory=Counter)
    conac_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RegistrySite:
    """A registered site as the decision needs it (from ``registry.sites.RegisteredSite``)."""

    id: int
    name: str | None
    url: str
    site_code: str | None = None
    icp: str | None = None
    police_record: str | None = None
    sponsor: str | None = None
    contact: str | None = None
    aliases: tuple[str, ...] = ()  # other hosts of the site (its homepage's SiteDomain), as netlocs
    home: PageProfile | None = None  # the site's stored homepage, when the store has it


@dataclass(slots=True)
class Decision:
    """The verdict on one page, for one registered site (None when unrelated to every one)."""

    verdict: str  # counterfeit | suspect | genuine | unrelated
    site: RegistrySite | None
    confidence: float  # 0..1, of the verdict
    evidence: dict[str, Any]
    reasons: list[str]  # Chinese, one line each


# -- reading a page ---------------------------------------------------------------------------


def _tag_paths(html: str) -> tuple[Counter[str], tuple[str, ...]]:
    tree = LexborHTMLParser(html)
    paths: Counter[str] = Counter()
    root = tree.body
    if root is not None:
        stack: list[tuple[Any, str]] = [(root, "body")]
        while stack and sum(paths.values()) < _MAX_NODES:
            node, path = stack.pop()
            paths[path] += 1
            child = node.child
            while child is not None:
                tag = child.tag
                if tag and not tag.startswith("-") and tag not in ("script", "style", "noscript"):
                    stack.append((child, f"{path}/{tag}"))
                child = child.next
    ids = tuple(dict.fromkeys(a or b for a, b in _CONAC.findall(html)))
    return paths, ids


def page_profile(body: bytes | str, url: str, content_type: str = "") -> PageProfile:
    """The profile of a fetched page (``url``: where it was found). Never raises on bad HTML."""
    facts = extract_page(body, url, content_type=content_type)
    html = body if isinstance(body, str) else decode_html(body, content_type)[0]
    text = re.sub(r"\s+", "", page_text(html).text)[:_MAX_TEXT]
    paths, conac = _tag_paths(html)
    return PageProfile(url=url, facts=facts, text=text, tag_paths=paths, conac_ids=conac)


# -- identifiers ------------------------------------------------------------------------------


def _code(value: str | None) -> str | None:
    if not value:
        return None
    code = re.sub(r"\s+", "", value).lower()
    if not re.fullmatch(r"bm\d{8}|\d{10}", code) or is_placeholder_code(code):
        return None
    return code


def _icp_key(value: str | None) -> str | None:
    m = _ICP_NUMBER.search(value or "")
    return f"{m.group(1)}{m.group(2)}" if m else None


def _police_key(value: str | None) -> str | None:
    m = _POLICE_DIGITS.search(re.sub(r"\s+", "", value or ""))
    return m.group(1) if m else None


def _same_name(a: str | None, b: str | None) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"[\s_\-|｜—]+", "", s).removesuffix("门户网站").removesuffix("网站").removesuffix("网")
    return bool(a and b) and norm(a or "") == norm(b or "")


def _claims(profile: PageProfile) -> list[tuple[str, str, str]]:
    """(which, value as shown, where) of every identity claim on the page."""
    f, meta = profile.facts.footer, profile.facts.meta
    out: list[tuple[str, str, str]] = []
    for value, where in ((meta.get("SiteIDCode"), "meta"), (f.site_code, "footer_code"),
                         (f.jiucuo_site_code, "jiucuo")):
        if value and _code(value):
            out.append(("site_code", value.strip(), where))
    if f.icp:
        out.append(("icp", f.icp, "icp"))
    if f.police_record:
        out.append(("police_record", f.police_record, "police_record"))
    out += [("conac", cid, "conac") for cid in profile.conac_ids]
    if meta.get("SiteName"):
        out.append(("name", meta["SiteName"].strip(), "site_name"))
    if profile.facts.title:
        out.append(("name", profile.facts.title.strip(), "title"))
    if f.sponsor:
        out.append(("sponsor", f.sponsor, "sponsor"))
    return out


def _matches(claim: tuple[str, str, str], site: RegistrySite) -> bool:
    which, value, where = claim
    if which == "site_code":
        return _code(value) is not None and _code(value) == _code(site.site_code)
    if which == "icp":
        return _icp_key(value) is not None and _icp_key(value) == _icp_key(site.icp)
    if which == "police_record":
        return _police_key(value) is not None and _police_key(value) == _police_key(site.police_record)
    if which == "conac":
        return site.home is not None and value in site.home.conac_ids
    if which == "name":
        if where == "title":
            return bool(site.name) and len(site.name or "") >= 4 and (site.name or "") in value
        return _same_name(value, site.name)
    if which == "sponsor":
        return _same_name(value, site.sponsor)
    return False


# -- hosts ------------------------------------------------------------------------------------


def netloc(url: str) -> str:
    """Host (and a non-default port) of a URL or a bare host, lower-cased; "" when there is none."""
    text = url.strip()
    if "//" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and port != {"http": 80, "https": 443}.get(parts.scheme):
        return f"{host}:{port}"
    return host


def _hostname(loc: str) -> str:
    return loc.rsplit(":", 1)[0] if loc.count(":") == 1 else loc


def _is_ip(host: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+", host)) or ":" in host


def _twins(loc: str) -> set[str]:
    return {loc, loc.removeprefix("www."), "www." + loc.removeprefix("www.")}


def host_relation(found: str, site: RegistrySite) -> tuple[str, str | None]:
    """(registered | alias | subsite | lookalike | gov_cn | other, the look-alike kind) of a netloc."""
    own = netloc(site.url)
    if found in _twins(own):
        return "registered", None
    if any(found in _twins(netloc(a)) for a in site.aliases):
        return "alias", None
    name, own_name = _hostname(found), _hostname(own)
    if not _is_ip(own_name) and not _is_ip(name):
        domain = own_name.removeprefix("www.")
        if name.endswith("." + domain):
            return "subsite", None
        kind = lookalike_relation(name, own_name)
        if kind:
            return "lookalike", kind
    if name.endswith(".gov.cn"):
        return "gov_cn", None
    return "other", None


# -- similarity -------------------------------------------------------------------------------


def _shingles(text: str) -> set[str]:
    return {text[i:i + _SHINGLE] for i in range(max(0, len(text) - _SHINGLE + 1))}


def text_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the 4-character shingles of two texts (0 when either is empty)."""
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def structure_similarity(a: Counter[str], b: Counter[str]) -> float:
    """Weighted Jaccard of two pages' tag-path counts (0 when either is empty)."""
    if not a or not b:
        return 0.0
    keys = a.keys() | b.keys()
    top = sum(max(a[k], b[k]) for k in keys)
    return sum(min(a[k], b[k]) for k in keys) / top if top else 0.0


# -- the decision -----------------------------------------------------------------------------


def _combine(weights: list[float]) -> float:
    rest = 1.0
    for w in weights:
        rest *= 1 - w
    return 1 - rest


def _site_brief(site: RegistrySite) -> dict[str, Any]:
    return {"id": site.id, "name": site.name, "url": site.url, "site_code": site.site_code}


def _evaluate(profile: PageProfile, found: str, site: RegistrySite,
              claims: list[tuple[str, str, str]]) -> Decision | None:
    matched = [c for c in claims if _matches(c, site)]
    if not matched:
        return None
    kinds = {c[0] for c in matched}
    relation, look = host_relation(found, site)
    sim: dict[str, Any] | None = None
    if site.home is not None:
        sim = {"reference": site.home.url, "text": round(text_similarity(profile.text, site.home.text), 3),
               "structure": round(structure_similarity(profile.tag_paths, site.home.tag_paths), 3)}
    best_sim = max(sim["text"], sim["structure"]) if sim else 0.0
    identifiers = [{"which": w, "label": _WHICH[w], "value": v, "where": _WHERE[where],
                    "registered": {"site_code": site.site_code, "icp": site.icp, "police_record": site.police_record,
                                   "conac": v, "name": site.name, "sponsor": site.sponsor}[w]}
                   for w, v, where in matched]
    evidence: dict[str, Any] = {
        "site": _site_brief(site), "identifiers": identifiers,
        "host": {"found_at": profile.url, "host": found, "registered_host": netloc(site.url), "relation": relation,
                 "lookalike": look, "gov_cn": _hostname(found).endswith(".gov.cn")},
        "similarity": sim, "title": profile.facts.title,
        "contact": {"page": profile.facts.footer.contact, "registered": site.contact},
    }
    shown = "、".join(f"{i['label']}{i['value']}（{i['where']}）" for i in identifiers)
    host_text = _RELATION_TEXT[relation] + (f"（{_LOOKALIKE_TEXT[look]}）" if look else "")
    reasons = [f"页面声称属于“{site.name or site.url}”：{shown}",
               f"发现地址主机 {found}：{host_text}；登记主机 {netloc(site.url)}"]
    if sim:
        reasons.append(f"与登记网站首页的相似度：文本 {sim['text']:.2f}，结构 {sim['structure']:.2f}")
    if relation in ("registered", "alias", "subsite"):
        return Decision("genuine", site, 1.0 if relation != "subsite" else 0.9, evidence,
                        reasons + ["主机属于登记网站：真实页面"])
    strength = _combine([_WEIGHTS[k] for k in kinds])
    host_weight = {"lookalike": 0.5, "gov_cn": 0.2}.get(relation, 0.0)
    confidence = round(_combine([strength, host_weight, 0.4 * best_sim]), 2)
    if kinds & set(_STRONG):
        verdict = "counterfeit"
        reasons.append("登记网站独有的标识出现在非该网站的主机上：假冒网站")
    elif "icp" in kinds or relation == "lookalike" or best_sim >= SUSPECT_SIMILARITY:
        verdict = "suspect"
        reasons.append("仅有ICP备案号或名称相符（同一单位的网站可共用ICP备案号），需人工核实：疑似假冒")
    else:
        return None  # naming a site on another host is no claim to be it
    page_contact, own_contact = profile.facts.footer.contact, site.contact
    if page_contact and own_contact and page_contact not in own_contact and own_contact not in page_contact:
        reasons.append(f"页面联系方式“{page_contact}”与登记的“{own_contact}”不同")
    evidence["confidence_parts"] = {"identifiers": round(strength, 2), "host": host_weight,
                                    "similarity": round(best_sim, 2)}
    return Decision(verdict, site, confidence, evidence, reasons)


_RANK = {"genuine": 3, "counterfeit": 2, "suspect": 1}


def decide_all(profile: PageProfile, found_at: str, sites: list[RegistrySite]) -> list[Decision]:
    """Every registered site the page ties itself to, with a decision each (best first). A page whose
    host is a registered site's own host is that site's: it accuses no other site (a wrong code in its
    footer is the identity check's mismatch, not a counterfeit)."""
    found = netloc(found_at)
    claims = _claims(profile)
    owners = [s for s in sites if host_relation(found, s)[0] in ("registered", "alias")]
    out = [d for s in sites if (d := _evaluate(profile, found, s, claims)) is not None]
    if owners:
        out = [d for d in out if d.verdict == "genuine"]
    out.sort(key=lambda d: (-_RANK[d.verdict], -d.confidence, d.site.id if d.site else 0))
    return out


def decide(profile: PageProfile, found_at: str, sites: list[RegistrySite]) -> Decision:
    """The one verdict on a page found at ``found_at``: genuine when it is a registered site's own page,
    else the strongest counterfeit/suspect tie, else ``unrelated``."""
    decisions = decide_all(profile, found_at, sites)
    if decisions:
        return decisions[0]
    found = netloc(found_at)
    owners = [s for s in sites if host_relation(found, s)[0] in ("registered", "alias")]
    reason = (f"主机 {found} 属于已登记网站“{owners[0].name or owners[0].url}”，页面未声称属于其他登记网站"
              if owners else "页面的网站标识码、备案号与任何登记网站都不相符")
    return Decision("unrelated", owners[0] if owners else None, 1.0,
                    {"host": {"found_at": profile.url, "host": found}, "title": profile.facts.title,
                     "identifiers": [{"which": w, "label": _WHICH[w], "value": v, "where": _WHERE[where]}
                                     for w, v, where in _claims(profile)]},
                    [reason])
