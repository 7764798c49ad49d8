"""Reading interaction and service pages: messages (留言), message lists, 办事指南 guides.

Pure functions of page HTML; the checks (``govwatch.checks.responsiveness`` and
``govwatch.checks.services``) call them on stored bodies. The words they read by are in
``govwatch/data/interaction.yaml``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def words() -> dict[str, Any]:
    """The reading vocabulary (``govwatch/data/interaction.yaml``), read once."""
    text = resources.files("govwatch.data").joinpath("interaction.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def match_label(label: str, table: dict[str, list[str]]) -> str | None:
    """The key of ``table`` whose synonyms name the cleaned ``label``, or ``None``: a synonym names
    a label it equals, or (4+ characters) that it begins, followed by at most two more characters
    (``申请材料目录``); the longest such synonym wins, and of keys sharing it, the first."""
    index = _synonym_index(tuple((key, tuple(synonyms)) for key, synonyms in table.items()))
    for extra in range(3):  # the label itself, then without its last one or two characters
        stem = label[:len(label) - extra] if extra else label
        key = index.get(stem)
        if key is not None and (not extra or len(stem) >= 4):
            return key
    return None


@cache
def _synonym_index(table: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, str]:
    """synonym -> the first key listing it: a label is matched by at most three lookups."""
    index: dict[str, str] = {}
    for key, synonyms in table:
        for synonym in synonyms:
            index.setdefault(synonym, key)
    return index
