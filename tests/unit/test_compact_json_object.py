"""``core.jsonfile.compact_json_object``: an object whose list is written one item at a time is the
text :func:`compact_json` writes of the whole object (one lone-surrogate item, which compact_json
escapes, changes the text but not the value); and the guide pages stored that way (bound as UTF-8
bytes, ``store.run_results``) are read back as the pages, stored as the text the JSON type stores
(text, on SQLite, not a blob), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Text, cast, func, select

from govwatch.analysis.interaction.collect import GUIDES, GuidePage, guides_to_json
from govwatch.analysis.interaction.guides import guide_from_html, guide_from_json
from govwatch.core.jsonfile import EncodedJson, compact_json, compact_json_bytes, compact_json_object
from govwatch.store import tables as t
from govwatch.store.db import Store
from govwatch.store.run_results import run_analyses, save_run_analyses

CASES: list[tuple[list[Any], dict[str, Any]]] = [
    ([], {}),
    ([], {"has_column": False}),
    ([1, "二", None, 3.5, True], {}),
    ([{"title": "办事指南", "urls": ["http://a/b?c=1&d=\"e\""]}, [], {}], {"has_column": True, "n": 2 ** 70}),
]


@pytest.mark.parametrize(("items", "rest"), CASES)
def test_the_object_written_item_by_item_is_the_whole_objects_text(items: list[Any], rest: dict[str, Any]) -> None:
    written = compact_json_object("pages", iter(items), rest)
    assert isinstance(written, EncodedJson)
    assert written.utf8 == compact_json_bytes({"pages": items, **rest}) == compact_json({"pages": items, **rest}).encode()
    assert compact_json(written) == written.utf8.decode()  # what a JSON column of the store writes


def test_a_lone_surrogate_item_keeps_the_value() -> None:
    items = [{"t": "正常"}, {"t": "坏\ud800字"}]
    written = compact_json_object("pages", items, {"has_column": True})
    assert json.loads(written.utf8) == {"pages": items, "has_column": True}


HTML = """<html><body><h1>{title}</h1><table><tr><td>办理材料</td><td>身份证</td></tr>
<tr><td>办理时限</td><td>5个工作日</td></tr><tr><td>收费标准</td><td>不收费</td></tr></table></body></html>"""


def test_guide_pages_stored_one_at_a_time_read_back_whole(any_store: Store) -> None:
    pages = [GuidePage(guide_from_html(HTML.format(title=f"事项{n}"), f"http://s/zwfw/{n}.html"), f"事项{n}",
                       "http://s/zwfw/" if n % 2 else None) for n in range(30)]
    run_id = any_store.create_run(any_store.site_id("http://s/"), "2026-11-22", {})
    save_run_analyses(any_store, run_id, {GUIDES: (frozenset({"services"}), guides_to_json((pages, True)))})
    reads, payload = run_analyses(any_store, [run_id])[run_id][GUIDES]
    assert reads == ["services"] and payload["has_column"] is True
    assert [GuidePage(guide_from_json(p["guide"]), p["title"], p["source"]) for p in payload["pages"]] == pages
    with any_store.engine.connect() as conn:  # stored as the text the column's JSON type stores, not as bytes
        stored = conn.execute(select(cast(t.run_analyses.c.payload, Text))).scalar_one()
        if conn.dialect.name == "sqlite":
            assert conn.execute(select(func.typeof(t.run_analyses.c.payload))).scalar_one() == "text"
    assert stored == compact_json(payload)
