"""办事指南 pages: element classes, catch-all clauses, material format, forms, online entries.

:func:`parse_guide` reads a guide's label/value pairs (:mod:`govwatch.analysis.interaction.message_fields`)
into element classes (事项名称、设定依据 … as the rule tables name them, labels from
``govwatch/data/interaction.yaml``), and lists the forms its materials ask for, the download
links it offers and its online application or query entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from govwatch.analysis.interaction import match_label, words
from govwatch.analysis.interaction.message_fields import collapse, read_fields_and_links
from govwatch.extract.downloads import extension_of, url_filename

MATERIALS = "办理材料"
_EMPTY = {"", "-", "—", "/", "无内容", "暂无", "待定", "待补充", "空"}


@dataclass(slots=True)
class Guide:
    """What a guide page shows."""

    url: str
    elements: dict[str, str] = field(default_factory=dict)  # class -> value (first label naming it)
    labels: dict[str, str] = field(default_factory=dict)  # class -> the label as shown
    layout: str = ""
    vague: list[tuple[str, str]] = field(default_factory=list)  # (class, phrase)
    material_gaps: list[str] = field(default_factory=list)  # 原件/复印件 | 份数, when materials are listed
    forms: list[str] = field(default_factory=list)  # form names the materials ask for (申请表 …)
    form_links: list[tuple[str, str]] = field(default_factory=list)  # (text, URL) of download links
    online_links: list[tuple[str, str]] = field(default_factory=list)  # (text, URL) of online entries

    def missing(self, required: list[str]) -> list[str]:
        """Required classes the guide does not show (no label, or an empty value)."""
        return [c for c in required if not self.elements.get(c)]


def guide_to_json(guide: Guide) -> dict[str, Any]:
    """What is stored of a parsed guide (:func:`guide_from_json` reads it back)."""
    return {"url": guide.url, "elements": guide.elements, "labels": guide.labels, "layout": guide.layout,
            "vague": guide.vague, "material_gaps": guide.material_gaps, "forms": guide.forms,
            "form_links": guide.form_links, "online_links": guide.online_links}


def guide_from_json(raw: dict[str, Any]) -> Guide:
    pairs = lambda values: [(str(a), str(b)) for a, b in values]  # noqa: E731 (JSON keeps tuples as lists)
    return Guide(url=raw["url"], elements=dict(raw["elements"]), labels=dict(raw["labels"]), layout=raw["layout"],
                 vague=pairs(raw["vague"]), material_gaps=list(raw["material_gaps"]), forms=list(raw["forms"]),
                 form_links=pairs(raw["form_links"]), online_links=pairs(raw["online_links"]))


@cache
def _copies() -> re.Pattern[str]:
    return re.compile(words()["material_copies"])


_FORM_NAME = r"[《“\"]?([^，,；;。、（）()《》“”\s\d.．]{0,16}?(?:{words}))[》”\"]?"


@cache
def _form_pattern() -> re.Pattern[str]:
    return re.compile(_FORM_NAME.replace("{words}", "|".join(map(re.escape, words()["form_words"]))))


def _is_download(text: str, url: str) -> bool:
    vocab = words()
    path = urlsplit(url).path.lower()
    ext = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    if ext in vocab["attachment_extensions"] or extension_of(url_filename(url) or "") in vocab["attachment_extensions"]:
        return True  # a file by its path, or a download script naming one (downfile.jsp?filename=申请表.docx)
    return any(w in text for w in vocab["form_words"]) and ("下载" in text or "样表" in text)


def forms_mentioned(materials: str) -> list[str]:
    """Form names (申请表、申请书 …) a materials text asks for, in order, each once."""
    out: list[str] = []
    for m in _form_pattern().finditer(materials):
        name = m.group(1)
        if name and name not in out:
            out.append(name)
    return out


def guide_from_html(html: str, url: str) -> Guide:
    """The guide a page shows."""
    vocab = words()
    table: dict[str, list[str]] = vocab["guide_elements"]
    fields, links = read_fields_and_links(html, url)
    guide = Guide(url=url)
    layouts: dict[str, int] = {}
    for f in fields.items:
        cls = match_label(f.label, table)
        if cls is None or cls in guide.elements:
            continue
        value = "" if f.value.strip(" 。：:") in _EMPTY else f.value
        guide.elements[cls] = value
        guide.labels[cls] = f.label
        layouts[f.layout] = layouts.get(f.layout, 0) + 1
    guide.layout = max(layouts, key=lambda k: layouts[k]) if layouts else ""
    for cls, value in guide.elements.items():
        rest = value  # longest phrase first: a shorter one counts only outside a longer one
        for phrase in sorted(vocab["vague_phrases"], key=len, reverse=True):
            if phrase in rest:
                guide.vague.append((cls, phrase))
                rest = rest.replace(phrase, "\0")
    materials = guide.elements.get(MATERIALS, "")
    if materials:
        if not any(k in materials for k in vocab["material_kinds"]):
            guide.material_gaps.append("原件/复印件")
        if not _copies().search(materials):
            guide.material_gaps.append("份数")
        guide.forms = forms_mentioned(materials)
    for text, link in links:
        text = collapse(text)
        if any(w in text for w in vocab["online_words"]):
            guide.online_links.append((text, link))
        elif _is_download(text, link):
            guide.form_links.append((text, link))
    return guide


def looks_like_guide(guide: Guide, required: list[str]) -> bool:
    """A page is judged as a guide when it shows at least three element classes (labels), so a
    news page in a service column is not a guide missing everything."""
    return len([c for c in guide.labels if c in required or c in words()["guide_elements"]]) >= 3
