"""The store's JSON columns are written by ``core.jsonfile.compact_json`` (orjson, one buffer; store/db.py):
values read back equal on SQLite and PostgreSQL, what orjson refuses (an integer beyond 64 bits, a
lone surrogate) is written by the standard library instead, and on SQLite the text is compact with
the characters themselves (the form ``service_rows._same_data`` compares an alert state against)."""

from __future__ import annotations

import sqlite3
from typing import Any

from govwatch.core.jsonfile import compact_json
from govwatch.store.db import Store

FACTS: dict[str, Any] = {
    "name": "宁川市人民政府", "reasons": [{"code": "crawl.partial", "message": "首页未能读取"}],
    "ratio": 0.05, "nested": {"empty": [], "none": None, "yes": True}, "count": 20_247,
}


def test_json_values_read_back_equal(any_store: Store) -> None:
    run_id = any_store.create_run(any_store.site_id("http://www.json.gov.cn/"), "2026-11-20", {"crawl": {}})
    huge = {"id": 2**70, "note": "超过 64 位的整数"}  # orjson refuses it: the standard library writes it
    surrogate = {"text": "坏字符\ud800"}  # a lone surrogate: orjson refuses it too
    any_store.put_run_fact(run_id, "plain", FACTS)
    any_store.put_run_fact(run_id, "huge", huge)
    stored = any_store.run_facts(run_id)
    assert stored["plain"] == FACTS
    assert stored["huge"] == huge
    if any_store.engine.dialect.name == "sqlite":  # PostgreSQL's text type holds no lone surrogate at all
        any_store.put_run_fact(run_id, "surrogate", surrogate)
        assert any_store.run_facts(run_id)["surrogate"] == surrogate


def test_sqlite_holds_the_compact_text(store: Store) -> None:
    if store.engine.dialect.name != "sqlite":
        return
    run_id = store.create_run(store.site_id("http://www.json.gov.cn/"), "2026-11-20", {"crawl": {}})
    store.put_run_fact(run_id, "plain", FACTS)
    path = store.url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        text = conn.execute("SELECT facts FROM run_facts WHERE name = 'plain'").fetchone()[0]
    assert text == compact_json(FACTS)
    assert "宁川市人民政府" in text and "\\u" not in text and ", " not in text
