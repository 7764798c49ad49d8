"""Wording and content (docs/sources.md §2, the 安全 veto / 表达规范): serious wording errors, typos, banned content.

Pure functions of each page's stored body (visible text, title, link texts) and the lexicons in
``govwatch/data/lexicons/``; the text is decoded and scanned once for these checks and the
personal-data check (``text_hits_of`` in :mod:`govwatch.analysis.content.text_scan`, kept with ``RunData.derived``). One finding per page and distinct wrong phrase / typo / banned term:
``target`` holds the phrase as found, so fingerprints are stable across runs and a reviewer's
site-wide exemption of one phrase leaves the others open.
"""

from __future__ import annotations

from collections.abc import Iterator

from govwatch.analysis.content.text_scan import StoredHits, text_hits_of
from govwatch.checks import NotAssessed, check
from govwatch.core.model import Finding
from govwatch.rundata import RunData

CATEGORY_LABELS = {"leader": "领导人姓名职务", "political": "规范表述", "organisation": "机构名称"}


def page_hits(data: RunData) -> StoredHits:
    """(url, title, :class:`govwatch.analysis.content.text_scan.TextHits`) of the pages with hits; not assessed
    when no page body is stored."""
    read, found = text_hits_of(data)
    if read == 0:
        raise NotAssessed("没有存储的页面正文")
    return found


@check("wording", family="content", kinds=("wording_error", "typo"))
def wording(data: RunData) -> Iterator[Finding]:
    """Near-misses of canonical phrases (wording_error) and confusion-set typos (typo)."""
    for url, _title, hits in page_hits(data):
        for ev in hits.wording:
            label = CATEGORY_LABELS[ev["category"]]
            yield Finding(kind="wording_error", code=f"content.wording.{ev['category']}",
                          indicator="严重表述错误" if ev["serious"] else "表达规范", url=url, target=ev["found"],
                          message=f"{label}表述错误：「{ev['found']}」应为「{ev['expected']}」",
                          evidence=ev)
        for ev in hits.typos:
            yield Finding(kind="typo", code="content.typo", indicator="表达规范", url=url, target=ev["found"],
                          message=f"错别字：「{ev['found']}」应为「{ev['expected']}」", evidence=ev)


@check("banned_content", family="content", kinds=("banned_content",))
def banned_content(data: RunData) -> Iterator[Finding]:
    """Gambling, pornography, violence and reactionary terms in text, titles and link texts."""
    for url, _title, hits in page_hits(data):
        for ev in hits.banned:
            yield Finding(kind="banned_content", code=f"content.banned.{ev['category']}", indicator="有害信息",
                          url=url, target=ev["term"],
                          message=f"页面含有{ev['label']}类有害信息关键词「{ev['term']}」",
                          evidence=ev)
