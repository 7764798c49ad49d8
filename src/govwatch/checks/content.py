"""Wording and content (rules.md §2 V1 / 表达规范): serious wording errors, typos, banned content.

Pure functions of each page's stored body (visible text, title, link texts) and the lexicons in
``govwatch/data/lexicons/``. One finding per page and distinct wrong phrase / typo / banned term:
``target`` holds the phrase as found, so fingerprints are stable across runs and a reviewer's
site-wide exemption of one phrase leaves the others open.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from govwatch.checks import NotAssessed, RunData, check
from govwatch.content.lexicon import banned_matcher
from govwatch.content.wording import find_typos, wording_lexicon
from govwatch.model import Finding

CONTEXT = 12  # characters of context either side in evidence

CATEGORY_LABELS = {"leader": "领导人姓名职务", "political": "规范表述", "organisation": "机构名称"}


def excerpt(text: str, start: int, length: int) -> str:
    """The found text with a little context, whitespace collapsed."""
    s = text[max(0, start - CONTEXT):start + length + CONTEXT]
    return " ".join(s.split())


def _texts(data: RunData) -> Iterator[tuple[str, dict[str, Any], Any]]:
    read = 0
    for url, facts in data.pages():
        text = data.page_text(url)
        if text is not None:
            read += 1
            yield url, facts, text
    if read == 0:
        raise NotAssessed("没有存储的页面正文")


@check("wording", family="content", kinds=("wording_error", "typo"), uses_rules=False)
def wording(data: RunData) -> Iterator[Finding]:
    """Near-misses of canonical phrases (wording_error) and confusion-set typos (typo)."""
    lexicon = wording_lexicon()
    for url, _facts, text in _texts(data):
        seen: dict[str, dict[str, Any]] = {}
        for where, body in (("title", text.title), ("text", text.text)):
            for m in lexicon.scan(body):
                entry = seen.get(m.found)
                if entry is not None:
                    entry["count"] += 1
                    continue
                seen[m.found] = {"found": m.found, "expected": m.expected, "serious": m.serious,
                                 "category": m.category, "how": m.how, "where": where,
                                 "context": excerpt(body, m.start, len(m.found)), "count": 1}
        for ev in seen.values():
            label = CATEGORY_LABELS[ev["category"]]
            yield Finding(kind="wording_error", code=f"content.wording.{ev['category']}",
                          indicator="严重表述错误" if ev["serious"] else "表达规范", url=url, target=ev["found"],
                          message=f"{label}表述错误：「{ev['found']}」应为「{ev['expected']}」",
                          evidence=ev)
        typos: dict[str, dict[str, Any]] = {}
        for where, body in (("title", text.title), ("text", text.text)):
            for t in find_typos(body):
                entry = typos.get(t.found)
                if entry is not None:
                    entry["count"] += 1
                    continue
                typos[t.found] = {"found": t.found, "expected": t.expected, "where": where,
                                  "context": excerpt(body, t.start, len(t.found)), "count": 1}
        for ev in typos.values():
            yield Finding(kind="typo", code="content.typo", indicator="表达规范", url=url, target=ev["found"],
                          message=f"错别字：「{ev['found']}」应为「{ev['expected']}」", evidence=ev)


@check("banned_content", family="content", kinds=("banned_content",), uses_rules=False)
def banned_content(data: RunData) -> Iterator[Finding]:
    """Gambling, pornography, violence and reactionary terms in text, titles and link texts."""
    matcher = banned_matcher()
    for url, _facts, text in _texts(data):
        found: dict[str, dict[str, Any]] = {}
        sources = [("title", text.title), ("text", text.text), *(("link", t) for t in text.link_texts)]
        for where, body in sources:
            for start, _end, term, (category, label) in matcher.iter(body):
                entry = found.get(term)
                if entry is None:
                    entry = found[term] = {"term": term, "category": category, "label": label, "where": [],
                                           "context": excerpt(body, start, len(term)), "count": 0}
                if where not in entry["where"]:
                    entry["where"].append(where)
                if where != "link":  # link texts are part of the text: counted once
                    entry["count"] += 1
        for ev in found.values():
            ev["count"] = max(ev["count"], 1)
            yield Finding(kind="banned_content", code=f"content.banned.{ev['category']}", indicator="有害信息",
                          url=url, target=ev["term"],
                          message=f"页面含有{ev['label']}类有害信息关键词「{ev['term']}」",
                          evidence=ev)
