"""Personal data exposed (privacy_leak, rules.md §7): resident IDs, mobile numbers, bank cards
in page text and in attachments (xlsx, xls, docx, pdf, csv, txt).

One finding per page or attachment; the evidence gives counts per type and up to five masked
examples with their context kind (``text``, ``table cell``, ``attachment name``). Full values
never leave :mod:`govwatch.content.personal`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from urllib.parse import unquote, urlsplit

from govwatch.checks import NotAssessed, RunData, check
from govwatch.content.attachments import Unreadable, Unsupported, attachment_segments
from govwatch.content.personal import TYPE_LABELS, find_personal
from govwatch.model import Finding

MAX_EXAMPLES = 5


def scan_segments(segments: Iterable[tuple[str, str]], as_of: date) -> tuple[Counter[str], list[dict[str, str]]]:
    """Counts per type and up to five masked examples over (context kind, text) segments."""
    counts: Counter[str] = Counter()
    examples: list[dict[str, str]] = []
    seen: set[str] = set()
    for context, text in segments:
        for match in find_personal(text, as_of):
            counts[match.kind] += 1
            if len(examples) < MAX_EXAMPLES and match.masked not in seen:
                seen.add(match.masked)
                examples.append({"type": match.kind, "value": match.masked, "context": context})
    return counts, examples


def _finding(url: str, where: str, counts: Counter[str], examples: list[dict[str, str]],
             extra: dict[str, object]) -> Finding:
    summary = "、".join(f"{TYPE_LABELS[k]}{n}处" for k, n in sorted(counts.items()))
    return Finding(
        kind="privacy_leak", code="privacy.personal_data", indicator="个人信息保护", url=url,
        message=f"{where}公开了个人信息：{summary}（示例 {examples[0]['value']}）",
        evidence={"counts": dict(sorted(counts.items())), "total": sum(counts.values()),
                  "value": examples[0]["value"], "examples": examples,
                  "contexts": sorted({e["context"] for e in examples}), **extra})


def attachment_name(url: str) -> str:
    return unquote(urlsplit(url).path).rsplit("/", 1)[-1]


@check("personal_data", family="privacy", kinds=("privacy_leak", "attachment_unreadable"), uses_rules=False)
def personal_data(data: RunData) -> Iterator[Finding]:
    """Valid resident IDs, mobiles and bank cards in pages and attachments, masked."""
    read = 0
    for url, facts in data.pages():
        text = data.page_text(url)
        if text is None:
            continue
        read += 1
        counts, examples = scan_segments([("text", text.title), *text.segments], data.as_of)
        if counts:
            yield _finding(url, "页面", counts, examples,
                           {"where": "page", "title": facts.get("title") or text.title})
    attachments = list(data.attachments())
    links_by_target: dict[str, list[tuple[str, str, str, str, str]]] = {}
    for link in data.links_to({url for url, _ in attachments}):  # one pass over the run's links
        links_by_target.setdefault(link[1], []).append(link)
    for url, row in attachments:
        body = data.body(url)
        if body is None:
            continue
        read += 1
        names = [("attachment name", attachment_name(url))]
        linking = links_by_target.get(url, [])
        names += [("attachment name", link[3]) for link in linking if link[3]]
        sources = sorted({link[0] for link in linking})[:5]
        try:
            segments = attachment_segments(url, body, row.get("content_type") or "")
            unreadable = None
        except Unsupported:
            segments, unreadable = [], None
        except Unreadable as exc:
            segments, unreadable = [], str(exc)
        counts, examples = scan_segments([*names, *segments], data.as_of)
        extra = {"where": "attachment", "file": attachment_name(url), "linked_from": sources}
        if counts:
            yield _finding(url, f"附件「{attachment_name(url)}」", counts, examples, extra)
        if unreadable:
            yield Finding(kind="attachment_unreadable", code="privacy.attachment_unreadable",
                          indicator="个人信息保护", url=url, severity="warning",
                          message=f"附件「{attachment_name(url)}」无法读取，未能检查其中的个人信息：{unreadable}",
                          evidence={"reason": unreadable, **extra})
    if read == 0:
        raise NotAssessed("没有存储的页面正文或附件内容")
