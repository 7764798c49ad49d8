"""链接可用性: broken links on the homepage and on other pages.

One finding per broken target: ``url`` is the page holding the link (the
homepage when the homepage links to it), ``target`` the broken URL, and the
evidence lists every page that links to it. Classification:

- confirmed: HTTP 404 or 410, a soft 404 (a 200 page saying it does not exist,
  code ``link.soft404``), or a redirect (3xx) without a Location header: the server
  answered, and its answer leads nowhere for every visitor, retry or not;
- suspected: other 4xx (403 only after a GET retry), 5xx, timeouts, resets,
  refused connections, TLS and DNS failures, redirect loops;
- not broken: success after HEAD→GET fallback or a retry, bodies too large to
  keep (the resource exists), URLs skipped as traps or by robots.txt, URLs of a host
  that asked for a pause beyond ``crawl.max_retry_after`` (``rate_limited``: not checked);
- unverifiable: external links that could not be tried because the network is
  off or no resolver answered — reported, never counted as broken.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from govwatch.checks import check
from govwatch.core.model import TEMPORARY_DNS, Finding
from govwatch.core.spool import Sorted
from govwatch.crawl.error_wording import bracketed, error_text, soft_404_text, status_text
from govwatch.rundata import RunData

INDICATOR = "链接可用性"
NOT_BROKEN_ERRORS = frozenset({"too_large", "trap", "robots", "rate_limited"})  # rate_limited: not checked
MAX_SOURCES_IN_EVIDENCE = 20
_RESOURCE_NAMES = {"page": "网页", "frame": "网页", "image": "图片", "attachment": "附件", "external": "外部链接",
                   "script": "脚本", "style": "样式表"}


@dataclass(frozen=True, slots=True)
class LinkVerdict:
    """How a checked link target fared."""

    state: str  # ok | broken | unverifiable | unchecked
    classification: str = ""  # confirmed | suspected
    reason: str = ""  # in Chinese (the raw error and detail are the fetch row's, in the evidence)
    soft_404: bool = False


def verdict(row: Mapping[str, Any] | None) -> LinkVerdict:
    """Judge one fetch row of a link target."""
    if row is None:
        return LinkVerdict("unchecked")
    error = row.get("error")
    status = row.get("status")
    detail = row.get("error_detail") or ""
    if error in ("unverifiable", "blocked_address") or (error == "dns" and detail.startswith(TEMPORARY_DNS)):
        # blocked_address: a non-public address never reached
        return LinkVerdict("unverifiable", reason=error_text(error, detail))
    if error in NOT_BROKEN_ERRORS:
        return LinkVerdict("ok" if error == "too_large" else "unchecked", reason=error_text(error, detail))
    if error == "http" and status is not None and 300 <= status < 400:  # a redirect naming no target
        return LinkVerdict("broken", "confirmed", f"HTTP {status}跳转未指明目标地址")
    if error:
        return LinkVerdict("broken", "suspected", error_text(error, detail))
    if status is None:
        return LinkVerdict("unchecked")
    if status >= 400:
        return LinkVerdict("broken", "confirmed" if status in (404, 410) else "suspected", status_text(status))
    if row.get("soft_404"):
        return LinkVerdict("broken", "confirmed", soft_404_text(), soft_404=True)
    return LinkVerdict("ok")


def resource_of(kind: str) -> str:
    """The DESIGN.md resource vocabulary (page|image|attachment|external, plus script|style)."""
    return "page" if kind == "frame" else kind


@dataclass(frozen=True, slots=True)
class LinkStates:
    """The run's link targets by how they fared, read in one pass over them (the broken-link check
    and the inspection document's ``links`` both need it)."""

    broken: dict[str, tuple[LinkVerdict, str, Mapping[str, Any]]]  # target -> (verdict, kind, :func:`_kept` row)
    checked: int  # targets that answered, well or not
    # Sorted on disk: a large site links to a hundred thousand URLs no crawl verifies (118,890 at
    # 100,000 pages, 20 MB held as strings all through the checks and the reports).
    unverifiable: Sorted[str]


def link_states(data: RunData) -> LinkStates:
    """The :class:`LinkStates` of ``data`` (computed once per run data)."""
    return data.derived("link_states", _read_link_states)


def _read_link_states(data: RunData) -> LinkStates:
    broken: dict[str, tuple[LinkVerdict, str, Mapping[str, Any]]] = {}
    checked = 0

    def unverifiable() -> Iterator[str]:  # the targets are read once, as the sort takes them
        nonlocal checked
        for target, row in data.link_target_rows():
            v = verdict(row)
            if v.state == "broken" and row is not None:
                broken[target.url] = (v, target.kind, _kept(row))
            elif v.state == "unverifiable":
                yield target.url
            checked += v.state in ("ok", "broken")

    ordered = Sorted(unverifiable(), key=_url_key)  # reads every target: ``broken`` and ``checked`` are then whole
    return LinkStates(broken, checked, ordered)


_KEPT_FIELDS = ("status", "error", "error_detail", "method", "attempts")  # what a broken link's finding shows


def _kept(row: Mapping[str, Any]) -> dict[str, Any]:
    """What is kept of a broken target's fetch row until the findings are made: the fields they show
    (2,500 whole rows held 2.5 MB at 100,000 pages, their URLs and times never read)."""
    return {name: row.get(name) for name in _KEPT_FIELDS}


def _url_key(url: str) -> tuple[str]:
    return (url,)


@check("links.broken", family="links", kinds=("broken_link",))
def broken_links(data: RunData) -> list[Finding]:
    """Every link target that did not answer usably."""
    broken = link_states(data).broken
    sources: dict[str, list[tuple[str, str]]] = defaultdict(list)  # target -> [(source, text)]
    for source, target, _kind, text, _via in data.links_to(set(broken)):
        sources[target].append((source, text))
    findings = [_finding(data, target, v, kind, row, sources[target]) for target, (v, kind, row) in broken.items()
                if sources[target]]
    findings.sort(key=lambda f: (f.evidence["scope"] != "homepage", f.target or ""))
    return findings


def _finding(data: RunData, target: str, v: LinkVerdict, kind: str, row: Mapping[str, Any],
             seen_on: list[tuple[str, str]]) -> Finding:
    on_homepage = [(s, t) for s, t in seen_on if data.is_homepage(s)]
    scope = "homepage" if on_homepage else "other"
    holder, text = min(on_homepage or seen_on)
    if not text:
        text = next((t for _, t in sorted(seen_on) if t), "")
    resource = resource_of(kind)
    unique_sources = sorted({s for s, _ in seen_on})
    where = "首页" if scope == "homepage" else "页面"
    label = f"“{text}”" if text else target
    return Finding(
        kind="broken_link",
        code="link.soft404" if v.soft_404 else f"link.{v.classification}",
        indicator=INDICATOR,
        url=holder,
        target=target,
        severity="error" if v.classification != "suspected" else "warning",
        message=f"{where}{_RESOURCE_NAMES.get(resource, '链接')}{label}无法访问{bracketed(v.reason)}",
        evidence={
            "classification": v.classification,
            "confirmed": v.classification == "confirmed",
            "soft_404": v.soft_404,
            "scope": scope,
            "resource": resource,
            "status": row.get("status"),
            "error": row.get("error"),
            "error_detail": row.get("error_detail"),
            "method": row.get("method"),
            "attempts": row.get("attempts"),
            "link_text": text,
            "source_count": len(unique_sources),
            "sources": unique_sources[:MAX_SOURCES_IN_EVIDENCE],
            "observed": v.reason,
            "expected": "HTTP 2xx/3xx",
        },
    )
