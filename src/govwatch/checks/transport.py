"""HTTPS, TLS, mixed content and IPv6.

HTTPS, TLS and IPv6 are judged from ``RunData.run_fact`` (``govwatch.crawl.sitefacts`` measured
them after the crawl); mixed content from the run's stored links (``RunData.tagged_links``):

- ``no_https`` — HTTPS does not answer (``transport.no_https``, error), or answers while plain
  HTTP still serves the site without redirecting to it (``transport.http_not_redirected``, warning);
- ``tls_problem`` — one finding for the HTTPS endpoint listing every certificate problem
  (a chain the probe could not judge, ``unknown``, is none):
  expired, not yet valid, issued for other names, self-signed or untrusted (errors); chain
  incomplete (the server omits its intermediate: a warning, never an outage) and expiry within
  :data:`EXPIRY_WARNING_DAYS` days (warnings). Severity is the worst problem's;
- ``mixed_content`` — an http:// resource of pages served over HTTPS: scripts, styles, frames
  and objects (browsers block them: error) and images or media (warning), one per resource
  (:func:`insecure_resources`);
- ``no_ipv6`` — no AAAA record, or no answer over IPv6 (``ipv6.no_aaaa`` / ``ipv6.unreachable``).

A probe that did not run (``security`` settings, an older run), failed, or could not judge
(an http-only site has no certificate; an IPv4-address site has no AAAA; this machine has no
IPv6 route) raises :class:`NotAssessed` with the reason; so does mixed content for a run
without pages served over HTTPS.
"""

from __future__ import annotations

from typing import Any

from govwatch.checks import NotAssessed, check
from govwatch.core.model import Finding
from govwatch.crawl.error_wording import bracketed, error_text, reason_text, status_text
from govwatch.rundata import RunData

EXPIRY_WARNING_DAYS = 30  # a certificate expiring sooner than this is a warning
INDICATOR = "安全防护"
# OpenSSL verify codes (X509_V_ERR_*) besides the chain verdict the probe stored.
V_NOT_YET_VALID, V_EXPIRED = 9, 10
_NAME_MISMATCH = (62, 64)  # hostname, IP address mismatch
# OpenSSL verify codes (X509_V_ERR_*, openssl/x509_vfy.h) of an untrusted chain in Chinese; the
# verify message OpenSSL gives (English) stays in the evidence.
_VERIFY_REASONS = {2: "无法取得签发者证书", 18: "证书为自签名证书", 19: "证书链中含自签名的根证书",
                   20: "无法取得本地签发者证书", 21: "无法验证首个证书的签发者", 23: "证书已被吊销",
                   24: "CA证书无效", 26: "证书用途不适用", 27: "证书不受信任", 28: "证书被拒绝"}
_TAG_LABELS = {"img": "图片", "script": "脚本", "link": "样式或图标", "iframe": "内嵌框架", "frame": "框架",
               "embed": "嵌入对象", "source": "媒体", "object": "嵌入对象"}
# Mixed content: the tags that load something into the page (hyperlinks, ``a`` and ``area``, do not).
RESOURCE_TAGS = ("img", "script", "link", "iframe", "frame", "embed", "source", "object")
ACTIVE_TAGS = frozenset({"script", "link", "iframe", "frame", "embed", "object"})  # browsers block these
_LINK_FILES = (".css", ".js", ".ico", ".png", ".gif", ".jpg", ".jpeg", ".svg", ".webp", ".woff", ".woff2", ".ttf")
MAX_RESOURCES = 200
MAX_EXAMPLES = 5


def _fact(data: RunData, name: str, what: str) -> dict[str, Any]:
    facts = data.run_fact(name)
    if facts is None:
        raise NotAssessed(f"{what}未检测（security 设置关闭，或该次检查早于站点探测）")
    if facts.get("error"):
        raise NotAssessed(f"{what}检测失败：{reason_text(facts['error'])}")
    return facts


@check("transport.https", family="security", kinds=("no_https",))
def no_https(data: RunData) -> list[Finding]:
    """The site must answer over HTTPS, and plain HTTP should redirect to it."""
    facts = _fact(data, "transport", "HTTPS")
    https, http = facts["https"], facts["http"]
    if not https["served"] and not http["served"] and facts.get("tls") is None:
        raise NotAssessed(f"站点的HTTP和HTTPS都未响应{bracketed(_why(http))}，无法判断是否支持HTTPS")
    if not https["served"]:
        why = _why(https)
        return [Finding(
            kind="no_https", code="transport.no_https", indicator=INDICATOR, url=data.site_url,
            message=f"网站不支持HTTPS访问：{https['url']} 无法打开{bracketed(why)}",
            evidence={"https_url": https["url"], "status": https.get("status"), "error": https.get("error"),
                      "http_url": http["url"], "http_status": http.get("status")})]
    if http["served"] and not http["redirects_to_https"]:
        return [Finding(
            kind="no_https", code="transport.http_not_redirected", indicator=INDICATOR, url=data.site_url,
            message=f"网站支持HTTPS，但HTTP访问（{http['url']}）未跳转到HTTPS，仍以明文提供页面",
            evidence={"http_url": http["url"], "http_status": http.get("status"), "final_url": http.get("final_url"),
                      "https_url": https["url"]},
            severity="warning")]
    return []


def _why(answer: dict[str, Any]) -> str:
    """Why an HTTP(S) request of the probe got no usable answer, in Chinese (its error is ``class: detail``)."""
    if answer.get("error"):
        return reason_text(answer["error"])
    return status_text(answer["status"]) if answer.get("status") else "无响应"


def _verify_reason(tls: dict[str, Any], unknown: str) -> str:
    """Why OpenSSL did not verify the chain, in Chinese: by its verify code, else the error of the
    verifying handshake (``connect: …``), else the OpenSSL code itself."""
    code = tls.get("verify_code")
    if code in _VERIFY_REASONS:
        return _VERIFY_REASONS[code]
    if code is None:
        return reason_text(tls.get("verify_message")) or unknown
    return f"OpenSSL验证错误码{code}"


def tls_problems(tls: dict[str, Any]) -> list[dict[str, str]]:
    """Every problem of the stored TLS facts: [{code, severity, message}], errors first."""
    cert = tls["cert"]
    code = tls.get("verify_code")
    problems: list[dict[str, str]] = []

    def add(code_: str, severity: str, message: str) -> None:
        problems.append({"code": code_, "severity": severity, "message": message})

    not_after = cert["not_after"][:10]
    if cert["days_left"] < 0 or code == V_EXPIRED:
        add("tls.expired", "error", f"HTTPS证书已于{not_after}过期")
    elif cert["days_left"] < EXPIRY_WARNING_DAYS:
        add("tls.expiring", "warning", f"HTTPS证书将于{not_after}过期（剩余{cert['days_left']}天）")
    if cert["not_yet_valid"] or code == V_NOT_YET_VALID:
        add("tls.not_yet_valid", "error", f"HTTPS证书尚未生效（生效时间{cert['not_before'][:10]}）")
    if not cert["hostname_match"] or code in _NAME_MISMATCH:
        names = "、".join((cert["dns_names"] + cert["ip_addresses"])[:5]) or cert["subject"]
        add("tls.hostname", "error", f"HTTPS证书与域名{tls['host']}不符（证书适用于{names}）")
    chain = tls["chain"]
    if chain == "self_signed":
        add("tls.self_signed", "error", "HTTPS证书为自签名证书，浏览器不信任")
    elif chain == "untrusted":
        add("tls.untrusted", "error", f"HTTPS证书无法验证到受信任的根证书（{_verify_reason(tls, '签发者未知')}）")
    elif chain == "incomplete":
        checked = "" if (tls.get("aia") or {}).get("confirmed") else "（未能下载签发者证书核实）"
        add("tls.chain_incomplete", "warning",
            f"服务器未发送中间证书，证书链不完整{checked}：多数浏览器可自动补全，部分客户端和小程序会报错")
    elif not tls.get("verified") and code not in (None, V_NOT_YET_VALID, V_EXPIRED, *_NAME_MISMATCH):
        add("tls.unverified", "error", f"HTTPS证书验证失败（{_verify_reason(tls, '原因未知')}）")
    problems.sort(key=lambda p: p["severity"] != "error")
    return problems


@check("transport.tls", family="security", kinds=("tls_problem",))
def tls_problem(data: RunData) -> list[Finding]:
    """The certificate of the HTTPS endpoint: validity, hostname, chain."""
    facts = _fact(data, "transport", "HTTPS证书")
    tls = facts.get("tls")
    if tls is None:
        raise NotAssessed(f"网站未提供HTTPS{bracketed(reason_text(facts['https'].get('error')) or '无TLS握手')}，无证书可检查")
    problems = tls_problems(tls)
    if not problems:
        return []
    cert = tls["cert"]
    return [Finding(
        kind="tls_problem", code=problems[0]["code"], indicator=INDICATOR, url=facts["https"]["url"],
        message="；".join(p["message"] for p in problems),
        evidence={"problems": problems, "host": tls["host"], "port": tls["port"], "chain": tls["chain"],
                  "verify_code": tls.get("verify_code"), "verify_message": tls.get("verify_message"),
                  "aia": tls.get("aia"), "protocol": tls.get("protocol"), "probed_at": tls.get("probed_at"),
                  "certificate": {k: cert[k] for k in ("subject", "issuer", "dns_names", "ip_addresses", "not_before",
                                                       "not_after", "days_left", "sha256")}},
        severity=problems[0]["severity"])]


def _is_resource(url: str, kind: str, tag: str) -> bool:
    """Whether a link made by ``tag`` loads a resource. An off-site ``<link>`` is stored without its
    ``rel``: it counts only when its URL names a resource file (``.css``, ``.js``, an icon or image,
    a font), so ``rel=canonical`` and ``alternate`` links to http pages are not taken for resources."""
    if tag != "link":
        return True
    if kind != "external":
        return kind in ("style", "script", "image")
    return url.split("?", 1)[0].split("#", 1)[0].lower().endswith(_LINK_FILES)


def insecure_resources(data: RunData) -> dict[str, Any]:
    """Pages served over HTTPS (the fetch's final URL) and the http:// resources they load:
    ``{https_pages, resources: [{url, tag, kind, active, pages, on_homepage, examples}], resource_count}``,
    active resources first, then by how many pages load them (at most :data:`MAX_RESOURCES`)."""
    https_pages = {url for url, row in data.fetch_rows("page")
                   if (row.get("final_url") or url).startswith("https://")}
    facts: dict[str, Any] = {"https_pages": len(https_pages), "resources": [], "resource_count": 0}
    if not https_pages:
        return facts
    candidates: dict[str, tuple[str, str]] = {}
    for url, kind, tag in data.tagged_links(RESOURCE_TAGS, "http://"):
        if _is_resource(url, kind, tag):
            candidates.setdefault(url, (kind, tag))
    sources: dict[str, set[str]] = {}
    for source, target, *_ in data.links_to(set(candidates)):
        if source in https_pages:
            sources.setdefault(target, set()).add(source)
    resources: list[dict[str, Any]] = []
    for url in sorted(sources):
        kind, tag = candidates[url]
        pages = sorted(sources[url])
        resources.append({"url": url, "tag": tag, "kind": kind, "active": tag in ACTIVE_TAGS, "pages": len(pages),
                          "on_homepage": any(data.is_homepage(p) for p in pages), "examples": pages[:MAX_EXAMPLES]})
    resources.sort(key=lambda r: (not r["active"], -r["pages"], r["url"]))
    facts.update(resources=resources[:MAX_RESOURCES], resource_count=len(resources))
    return facts


@check("transport.mixed_content", family="security", kinds=("mixed_content",))
def mixed_content(data: RunData) -> list[Finding]:
    """http:// resources loaded by pages served over HTTPS."""
    facts = insecure_resources(data)
    if not facts["https_pages"]:
        raise NotAssessed("没有通过HTTPS提供的页面，混合内容不适用")
    findings = []
    for res in facts["resources"]:
        page = data.site_url if res["on_homepage"] else res["examples"][0]
        label = _TAG_LABELS.get(res["tag"], "资源")
        blocked = "，浏览器会拦截" if res["active"] else "，浏览器提示不安全"
        findings.append(Finding(
            kind="mixed_content", code="mixed_content.active" if res["active"] else "mixed_content.passive",
            indicator=INDICATOR, url=page, target=res["url"],
            message=f"HTTPS页面以HTTP明文加载{label}：{res['url']}（{res['pages']}个页面{blocked}）",
            evidence={"tag": res["tag"], "pages": res["pages"], "examples": res["examples"],
                      "https_pages": facts["https_pages"], "resource_count": facts["resource_count"]},
            severity="error" if res["active"] else "warning"))
    return findings


@check("transport.ipv6", family="security", kinds=("no_ipv6",))
def no_ipv6(data: RunData) -> list[Finding]:
    """The homepage's host must have an AAAA record and answer over IPv6."""
    facts = _fact(data, "ipv6", "IPv6")
    status = facts["status"]
    if status in ("not_applicable", "local_unavailable", "dns_error"):
        why = facts.get("reason") or (error_text("dns", facts["detail"]) if facts.get("detail") else status)
        raise NotAssessed(f"IPv6无法判断：{why}")
    if status == "ok":
        return []
    if status == "no_aaaa":
        code, message = "ipv6.no_aaaa", f"网站域名{facts['host']}没有IPv6地址（无AAAA记录），不支持IPv6访问"
    else:
        page = facts.get("page") or {}
        why = reason_text(facts.get("detail")) or (status_text(page["status"]) if page.get("status") else "无响应")
        code = "ipv6.unreachable"
        message = f"网站域名{facts['host']}有IPv6地址（{'、'.join(facts['addresses'][:3])}），但通过IPv6无法访问首页{bracketed(why)}"
    return [Finding(kind="no_ipv6", code=code, indicator=INDICATOR, url=data.site_url, message=message,
                    evidence={"host": facts["host"], "status": status, "addresses": facts["addresses"],
                              "detail": facts.get("detail"), "page": facts.get("page")})]
