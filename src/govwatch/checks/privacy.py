"""Personal data exposed (privacy_leak, docs/sources.md §7): resident IDs, mobile numbers, bank cards
in page text and in attachments (xlsx, xls, docx, pdf, csv, txt), whether linked by a file URL or
served by a download script (the crawl records those as attachments; the reader follows the bytes).

One finding per page or attachment; the evidence gives counts per type and up to five masked
examples with their context kind (``text``, ``table cell``, ``attachment name``). Full values
never leave :mod:`govwatch.analysis.content.personal`.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from govwatch.analysis.content.attachments import Unreadable, Unsupported, attachment_segments
from govwatch.analysis.content.personal import TYPE_LABELS
from govwatch.analysis.content.text_scan import PersonalHits, personal_hits, text_hits_of
from govwatch.checks import NotAssessed, check
from govwatch.core.model import Finding
from govwatch.extract.downloads import ATTACHMENT_EXTENSIONS, extension_of, url_filename
from govwatch.rundata import RunData


def _finding(url: str, where: str, hits: PersonalHits, extra: dict[str, object]) -> Finding:
    counts, examples = hits.counts, hits.examples
    summary = "、".join(f"{TYPE_LABELS[k]}{n}处" for k, n in sorted(counts.items()))
    return Finding(
        kind="privacy_leak", code="privacy.personal_data", indicator="个人信息保护", url=url,
        message=f"{where}公开了个人信息：{summary}（示例 {examples[0]['value']}）",
        evidence={"counts": dict(sorted(counts.items())), "total": sum(counts.values()),
                  "value": examples[0]["value"], "examples": examples,
                  "contexts": sorted({e["context"] for e in examples}), **extra})


CLEAN: tuple[PersonalHits, str | None] = (PersonalHits(), None)  # an attachment body that holds nothing


def attachment_name(url: str) -> str:
    """The file name of an attachment URL: its ``?filename=`` parameter on a download script
    (decoded from UTF-8 or GBK), else the path's last segment, with the query when that names no
    file (``download.do?id=7``)."""
    named = url_filename(url)
    if named:
        return named
    parts = urlsplit(url)
    last = unquote(parts.path).rsplit("/", 1)[-1]
    if parts.query and extension_of(last) not in ATTACHMENT_EXTENSIONS:
        return f"{last}?{parts.query}"
    return last


def _segments(url: str, body: bytes, content_type: str, name: str) -> tuple[list[tuple[str, str]], str | None]:
    """An attachment's text segments (read by the format its bytes show, else by its ``name``) and,
    when it cannot be parsed, why."""
    try:
        return attachment_segments(url, body, content_type, name), None
    except Unsupported:
        return [], None
    except Unreadable as exc:
        return [], str(exc)


@check("personal_data", family="privacy", kinds=("privacy_leak", "attachment_unreadable"))
def personal_data(data: RunData) -> Iterator[Finding]:
    """Valid resident IDs, mobiles and bank cards in pages and attachments, masked."""
    read, found = text_hits_of(data)
    for url, title, page_hits in found:
        if page_hits.personal.counts:
            yield _finding(url, "页面", page_hits.personal, {"where": "page", "title": title or page_hits.title})
    # One read and one parse a file, as its first attachment URL (crawl order) names it: a body shared
    # by many URLs (a template's 附件 on every page) is read once. What a body held is kept by its
    # hash; a clean one keeps the shared CLEAN (the attachments themselves stream: issue 22).
    parsed: dict[str, tuple[PersonalHits, str | None]] = {}
    for url, row, linking in data.attachment_links():
        key = row.get("body_hash") or url  # an in-memory run may have no hash: its URL
        name = attachment_name(url)
        if key not in parsed:
            body = data.body(url)
            if body is None:
                continue  # no stored body
            segments, why = _segments(url, body, row.get("content_type") or "", name)
            hits = personal_hits(segments, data.as_of)
            parsed[key] = (hits, why) if hits.counts or why else CLEAN
        content_hits, unreadable = parsed[key]
        read += 1
        names = [("attachment name", name)] + [("attachment name", text) for _source, text in linking if text]
        sources = sorted({source for source, _text in linking})[:5]
        hits = personal_hits(names, data.as_of).plus(content_hits)
        extra: dict[str, object] = {"where": "attachment", "file": name, "linked_from": sources}
        if hits.counts:
            yield _finding(url, f"附件「{name}」", hits, extra)
        if unreadable:
            yield Finding(kind="attachment_unreadable", code="privacy.attachment_unreadable",
                          indicator="个人信息保护", url=url, severity="warning",
                          message=f"附件「{name}」无法读取，未能检查其中的个人信息：{unreadable}",
                          evidence={"reason": unreadable, **extra})
    if read == 0:
        raise NotAssessed("没有存储的页面正文或附件内容")
