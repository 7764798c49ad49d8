"""The accessibility mapping and the homepage entry detector (no network: checks read it too).

``govwatch/data/accessibility.yaml`` maps each axe-core rule the inspection runs to the national
requirement it tests (GB/T 37668-2019, 工信部《互联网网站适老化通用设计规范》) and lists the words and
toolbar script markers of the 无障碍 / 适老化 entry. The probe (``crawl/sitefacts/accessibility.py``)
runs the mapped rules and stores the fact :data:`FACT_NAME`; ``checks/accessibility.py`` judges it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from selectolax.lexbor import LexborHTMLParser

FACT_NAME = "accessibility"
MAX_ENTRY_TEXT = 60
_CONTROLS = "a, button, [role=button], [role=link], input[type=button], input[type=submit], input[type=image]"


@dataclass(frozen=True, slots=True)
class Requirement:
    """The national requirement an axe rule tests (one row of ``data/accessibility.yaml``)."""

    rule: str
    requirement: str
    label: str
    clause: str
    problem: str


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    text = resources.files("govwatch.data").joinpath("accessibility.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


@lru_cache(maxsize=1)
def requirements() -> dict[str, Requirement]:
    """axe rule id -> its requirement, as the shipped mapping gives them."""
    rules: dict[str, dict[str, str]] = _data()["rules"]
    return {rule: Requirement(rule=rule, requirement=row["requirement"], label=row["label"], clause=row["clause"],
                              problem=row["problem"]) for rule, row in rules.items()}


def entry_words() -> tuple[str, ...]:
    """Words that name the 无障碍 / 适老化 entry (link or button text, aria-label, title, alt)."""
    return tuple(_data()["entry"]["words"])


def entry_script_markers() -> tuple[str, ...]:
    """Parts of a script address that mark an accessibility toolbar service."""
    return tuple(_data()["entry"]["script_markers"])


def _label_of(node: Any) -> list[tuple[str, str]]:
    """(attribute, text) pairs naming a control: its text, aria-label, title and its images' alt/title."""
    named = [("text", node.text(deep=True, separator=" ", strip=True) or "")]
    named += [(attr, node.attributes.get(attr) or "") for attr in ("aria-label", "title", "value", "alt")]
    for img in node.css("img"):
        named += [("alt", img.attributes.get("alt") or ""), ("title", img.attributes.get("title") or "")]
    return named


def find_entry(html: str) -> dict[str, str] | None:
    """The homepage's entry to the 无障碍 / 适老化 service, or None: ``{"how", "word", "text"}`` where
    ``how`` is text | aria-label | title | value | alt (a link or button naming it) or script (a toolbar
    service's script, ``text`` its address)."""
    tree = LexborHTMLParser(html)
    words = entry_words()
    for node in tree.css(_CONTROLS):
        for how, text in _label_of(node):
            word = next((w for w in words if w in text), None)
            if word is not None:
                return {"how": how, "word": word, "text": " ".join(text.split())[:MAX_ENTRY_TEXT]}
    markers = entry_script_markers()
    for script in tree.css("script[src]"):
        src = script.attributes.get("src") or ""
        marker = next((m for m in markers if m in src.lower()), None)
        if marker is not None:
            return {"how": "script", "word": marker, "text": src[:MAX_ENTRY_TEXT * 4]}
    return None
