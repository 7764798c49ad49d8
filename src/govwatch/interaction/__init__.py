"""Reading interaction and service pages: messages (留言), message lists, 办事指南 guides.

Pure functions of page HTML; the checks (``govwatch.checks.interaction`` and
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
    return yaml.safe_load(text)  # type: ignore[no-any-return]


def label_matches(label: str, synonym: str) -> bool:
    """Whether a cleaned label names ``synonym``: equal, or the synonym (4+ characters) followed
    by at most two more (``申请材料目录``)."""
    if label == synonym:
        return True
    return len(synonym) >= 4 and label.startswith(synonym) and len(label) - len(synonym) <= 2


def match_label(label: str, table: dict[str, list[str]]) -> str | None:
    """The key of ``table`` whose synonyms name ``label`` (longest synonym first), or ``None``."""
    best: tuple[int, str] | None = None
    for key, synonyms in table.items():
        for syn in synonyms:
            if label_matches(label, syn) and (best is None or len(syn) > best[0]):
                best = (len(syn), key)
    return best[1] if best else None
