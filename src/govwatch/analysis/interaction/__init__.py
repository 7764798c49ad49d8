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
    index = _index_of(table)
    for extra in range(3):  # the label itself, then without its last one or two characters
        stem = label[:len(label) - extra] if extra else label
        key = index.get(stem)
        if key is not None and (not extra or len(stem) >= 4):
            return key
    return None


_INDEXES: dict[int, tuple[dict[str, list[str]], dict[str, str]]] = {}  # id(table) -> (table, its index)
_INDEXES_KEPT = 64  # tables whose index is kept by identity (the vocabulary's own, and a few built per call)


def _index_of(table: dict[str, list[str]]) -> dict[str, str]:
    """The synonym index of ``table``, found by the table's identity (the vocabulary's tables are
    the same objects on every call: building the content key each call cost more than the lookup).
    The entry holds the table, so its id is not reused while it is kept; a table is never changed
    once read (the vocabulary is read once, :func:`words`)."""
    entry = _INDEXES.get(id(table))
    if entry is None or entry[0] is not table:
        if len(_INDEXES) >= _INDEXES_KEPT:
            _INDEXES.clear()  # tables built per call (a one-key dict of a check) fill it; one call clears
        entry = (table, _synonym_index(tuple((key, tuple(synonyms)) for key, synonyms in table.items())))
        _INDEXES[id(table)] = entry
    return entry[1]


@cache
def _synonym_index(table: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, str]:
    """synonym -> the first key listing it: a label is matched by at most three lookups."""
    index: dict[str, str] = {}
    for key, synonyms in table:
        for synonym in synonyms:
            index.setdefault(synonym, key)
    return index
