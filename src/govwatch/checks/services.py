"""Service indicators (docs/sources.md §1–§2 and seed 002 附件2 办事服务): 办事指南 elements, catch-all
clauses, material format, forms and online application or query entries.

Guides are the stored item pages of the site's service columns and any page extraction typed
``guide`` (:mod:`govwatch.analysis.interaction.guides`). Required element classes and the classes
whose absence counts as 重点要素 missing come from the rule table's ``services`` section.
Forms and online entries are judged from the crawl's fetch of the link: a link the crawl did
not fetch (offline, outside the page budget) is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from govwatch.analysis.columns import columns_of
from govwatch.analysis.interaction.collect import guide_pages
from govwatch.analysis.interaction.guides import Guide, looks_like_guide
from govwatch.checks import NotAssessed, check
from govwatch.core.model import Finding
from govwatch.crawl.error_wording import bracketed, fetch_failure_text
from govwatch.rundata import RunData

_NOT_JUDGED = {"unverifiable", "robots", "trap"}  # fetch errors that say nothing about the target


def _guides(data: RunData, required: list[str]) -> tuple[list[tuple[Guide, str, str | None]], bool]:
    """(guide, title, list page) of every page judged a guide, and whether the site has a service column."""
    pages, has_column = guide_pages(data)
    return [(p.guide, p.title or p.guide.elements.get("事项名称", ""), p.source) for p in pages
            if looks_like_guide(p.guide, required)], has_column


def _failure(data: RunData, url: str) -> Mapping[str, Any] | None:
    """The fetch row of ``url`` when the crawl fetched it and it failed; else ``None``."""
    row = data.fetches.get(url)
    if row is None or row.get("error") in _NOT_JUDGED:
        return None
    if row.get("error") or (row.get("status") or 0) >= 400:
        return row
    return None


@check("service_guides", family="services",
       kinds=("no_service_channel", "guide_incomplete", "guide_vague", "guide_materials_unclear",
              "form_unavailable", "online_system_unreachable"))
def service_guides(data: RunData) -> Iterator[Finding]:
    """Every guide against the table's element classes; its forms and online entries."""
    if data.homepage() is None:
        raise NotAssessed("首页未能抓取")
    spec = data.rules.services
    if not spec.get("guide_elements"):
        raise NotAssessed("评分规则表未设定办事指南要素类别（services.guide_elements）")
    required: list[str] = list(spec["guide_elements"])
    key: list[str] = list(spec.get("key_elements") or [])
    guides, has_column = _guides(data, required)
    if not guides:
        if not has_column:
            yield Finding(kind="no_service_channel", code="service.no_service", indicator="办事服务",
                          url=data.site_url, message="未发现办事服务栏目或办事指南",
                          evidence={"columns": [c.name for c in columns_of(data)]})
        return
    entries: dict[str, list[tuple[Guide, str, Mapping[str, Any]]]] = {}
    for guide, title, source in guides:
        base = {"title": title, "layout": guide.layout}
        missing = guide.missing(required)
        if missing:
            missing_key = [c for c in missing if c in key]
            yield Finding(kind="guide_incomplete", code="service.guide_incomplete", indicator="办事指南",
                          url=guide.url, source=source,
                          message=f"办事指南「{title}」缺少要素：{'、'.join(missing)}",
                          evidence={**base, "missing": missing, "missing_count": len(missing),
                                    "missing_key_elements": missing_key, "missing_key_count": len(missing_key),
                                    "present": [c for c in required if c not in missing]})
        if guide.vague:
            phrases = [p for _c, p in guide.vague]
            yield Finding(kind="guide_vague", code="service.guide_vague", indicator="办事指南", url=guide.url,
                          source=source, message=f"办事指南「{title}」存在表述含糊不清的情形：「{'」「'.join(phrases)}」",
                          evidence={**base, "phrases": [{"element": c, "phrase": p} for c, p in guide.vague]})
        if guide.material_gaps:
            yield Finding(kind="guide_materials_unclear", code="service.materials_unclear", indicator="办事指南",
                          url=guide.url, source=source,
                          message=f"办事指南「{title}」办理材料未说明{'、'.join(guide.material_gaps)}",
                          evidence={**base, "missing": list(guide.material_gaps),
                                    "materials": guide.elements.get("办理材料", "")[:200]})
        if guide.forms and not guide.form_links:
            yield Finding(kind="form_unavailable", code="service.form_not_linked", indicator="表格下载",
                          url=guide.url, source=source,
                          message=f"办事指南「{title}」提及的{'、'.join(guide.forms)}未提供下载",
                          evidence={**base, "problem": "not_linked", "forms": list(guide.forms)})
        for text, link in guide.form_links:
            row = _failure(data, link)
            if row is not None:
                yield Finding(kind="form_unavailable", code="service.form_broken", indicator="表格下载",
                              url=guide.url, target=link, source=source,
                              message=f"办事指南「{title}」的表格「{text or link}」不能下载"
                                      + bracketed(fetch_failure_text(row.get("status"), row.get("error"),
                                                                     row.get("error_detail"))),
                              evidence={**base, "problem": "broken", "form": text, "status": row.get("status"),
                                        "error": row.get("error")})
        for text, link in guide.online_links:
            row = _failure(data, link)
            if row is not None:
                entries.setdefault(link, []).append((guide, text, row))
    for link, uses in entries.items():
        guide, text, row = uses[0]
        yield Finding(kind="online_system_unreachable", code="service.online_entry", indicator="在线系统",
                      url=guide.url, target=link,
                      message=f"在线办理或查询入口「{text}」不能访问"
                              + bracketed(fetch_failure_text(row.get("status"), row.get("error"), row.get("error_detail"))),
                      evidence={"entry": text, "status": row.get("status"), "error": row.get("error"),
                                "error_detail": row.get("error_detail"), "page_count": len(uses),
                                "pages": [g.url for g, _t, _r in uses[:5]]})
