"""办事指南 pages: element classes, catch-all clauses, material format, forms, online entries.

:func:`parse_guide` reads a guide's label/value pairs (:mod:`govwatch.analysis.interaction.message_fields`)
into element classes (事项名称、设定依据 … as the rule tables name them, labels from
``govwatch/data/interaction.yaml``), and lists the forms its materials ask for, the download
links it offers and its online application or query entries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from govwatch.analysis.interaction import match_label, words
from govwatch.analysis.interaction.message_fields import collapse, read_fields_and_links
from govwatch.extract.downloads import extension_of, url_filename

MATERIALS = "办理材料"
_EMPTY = {"", "-", "—", "/", "无内容", "暂无", "待定", "待补充", "空"}


_NOTHING: Mapping[str, str] = MappingProxyType({})  # the elements and labels of a page that shows none


@dataclass(frozen=True, slots=True)
class Guide:
    """What a guide page shows, read once and never changed. Its parts are tuples and read-only
    mappings, so a page that shows none of them (most candidate pages of a large site: 6,278 of
    them at 100,000 generated pages, none a guide) holds no empty containers of its own."""

    url: str
    elements: Mapping[str, str] = field(default_factory=lambda: _NOTHING)  # class -> value (first label naming it)
    labels: Mapping[str, str] = field(default_factory=lambda: _NOTHING)  # class -> the label as shown
    layout: str = ""
    vague: tuple[tuple[str, str], ...] = ()  # (class, phrase)
    material_gaps: tuple[str, ...] = ()  # 原件/复印件 | 份数, when materials are listed
    forms: tuple[str, ...] = ()  # form names the materials ask for (申请表 …)
    form_links: tuple[tuple[str, str], ...] = ()  # (text, URL) of download links
    online_links: tuple[tuple[str, str], ...] = ()  # (text, URL) of online entries

    def missing(self, required: list[str]) -> list[str]:
        """Required classes the guide does not show (no label, or an empty value)."""
        return [c for c in required if not self.elements.get(c)]


def _mapping(values: dict[str, str]) -> Mapping[str, str]:
    return MappingProxyType(values) if values else _NOTHING


def guide_to_json(guide: Guide) -> dict[str, Any]:
    """What is stored of a parsed guide (:func:`guide_from_json` reads it back)."""
    return {"url": guide.url, "elements": dict(guide.elements), "labels": dict(guide.labels), "layout": guide.layout,
            "vague": guide.vague, "material_gaps": guide.material_gaps, "forms": guide.forms,
            "form_links": guide.form_links, "online_links": guide.online_links}


def guide_from_json(raw: dict[str, Any]) -> Guide:
    pairs = lambda values: tuple((str(a), str(b)) for a, b in values)  # noqa: E731 (JSON keeps tuples as lists)
    return Guide(url=raw["url"], elements=_mapping(raw["elements"]), labels=_mapping(raw["labels"]),
                 layout=raw["layout"], vague=pairs(raw["vague"]), material_gaps=tuple(raw["material_gaps"]),
                 forms=tuple(raw["forms"]), form_links=pairs(raw["form_links"]),
                 online_links=pairs(raw["online_links"]))


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
    elements: dict[str, str] = {}
    labels: dict[str, str] = {}
    layouts: dict[str, int] = {}
    for f in fields.items:
        cls = match_label(f.label, table)
        if cls is None or cls in elements:
            continue
        elements[cls] = "" if f.value.strip(" 。：:") in _EMPTY else f.value
        labels[cls] = f.label
        layouts[f.layout] = layouts.get(f.layout, 0) + 1
    vague: list[tuple[str, str]] = []
    for cls, value in elements.items():
        rest = value  # longest phrase first: a shorter one counts only outside a longer one
        for phrase in sorted(vocab["vague_phrases"], key=len, reverse=True):
            if phrase in rest:
                vague.append((cls, phrase))
                rest = rest.replace(phrase, "\0")
    material_gaps: list[str] = []
    forms: list[str] = []
    materials = elements.get(MATERIALS, "")
    if materials:
        if not any(k in materials for k in vocab["material_kinds"]):
            material_gaps.append("原件/复印件")
        if not _copies().search(materials):
            material_gaps.append("份数")
        forms = forms_mentioned(materials)
    online_links: list[tuple[str, str]] = []
    form_links: list[tuple[str, str]] = []
    for text, link in links:
        text = collapse(text)
        if any(w in text for w in vocab["online_words"]):
            online_links.append((text, link))
        elif _is_download(text, link):
            form_links.append((text, link))
    return Guide(url=url, elements=_mapping(elements), labels=_mapping(labels),
                 layout=max(layouts, key=lambda k: layouts[k]) if layouts else "", vague=tuple(vague),
                 material_gaps=tuple(material_gaps), forms=tuple(forms), form_links=tuple(form_links),
                 online_links=tuple(online_links))


def looks_like_guide(guide: Guide, required: list[str]) -> bool:
    """A page is judged as a guide when it shows at least three element classes (labels), so a
    news page in a service column is not a guide missing everything."""
    return len([c for c in guide.labels if c in required or c in words()["guide_elements"]]) >= 3
