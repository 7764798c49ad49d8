"""Whole-run analyses stored with a run (analysis/stored.py): restored only when they still hold.

Each family site of the simulator is inspected once (the session's ``inspected_sites``); its stored
column analysis, messages, message statistics and parsed guide pages must equal those computed afresh from the stored
pages, under the run's own table and under tables with other update windows and reply limits (the
judgement is made again, never stored).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from govwatch.analysis.columns import analyze_columns, columns_of
from govwatch.analysis.interaction.collect import (
    guide_pages,
    message_statistics,
    messages,
    read_messages,
    seen_to_json,
)
from govwatch.analysis.interaction.messages import Message
from govwatch.rules import load_ruleset
from govwatch.store.run_results import run_analyses, save_run_analyses
from govwatch.store.stored_run import StoreRunData
from tests.conftest import InspectedSites

SITES = ("trs", "jcms", "legacy")


@pytest.mark.parametrize("site_id", SITES)
@pytest.mark.parametrize("table", [None, "suqian-2022", "census-2015"])
def test_restored_columns_equal_columns_analysed_afresh(inspected_sites: InspectedSites, site_id: str,
                                                         table: str | None) -> None:
    site = inspected_sites[site_id]
    rules = load_ruleset(table) if table else None
    restoring = StoreRunData(inspected_sites.store, site.run_id, rules=rules)
    restored = columns_of(restoring)
    assert "columns" in restoring.restored and restored
    fresh = analyze_columns(StoreRunData(inspected_sites.store, site.run_id, rules=rules))
    assert restored == fresh  # every figure, and the judgement against this table's windows
    restored_messages = messages(restoring)
    assert {"messages", "message_statistics"} & restoring.restored == {"messages"}
    assert restored_messages == read_messages(StoreRunData(inspected_sites.store, site.run_id, rules=rules))
    statistics = message_statistics(restoring)
    assert "message_statistics" in restoring.restored
    assert statistics == message_statistics(StoreRunData(inspected_sites.store, site.run_id, rules=rules))
    guides = guide_pages(restoring)
    assert "guide_pages" in restoring.restored and guides[0]  # the families' service columns list guides
    fresh_data = StoreRunData(inspected_sites.store, site.run_id, rules=rules)
    fresh_data.stored_analysis = lambda name, decode: None  # type: ignore[method-assign]  # nothing restored
    assert guides == guide_pages(fresh_data) and "guide_pages" not in fresh_data.restored
    if table:
        assert {c.type: c.window for c in restored if c.window_days_set is None} == {
            c.type: restoring.rules.column_window(c.type) for c in restored if c.window_days_set is None}


def test_every_message_field_is_stored(inspected_sites: InspectedSites) -> None:
    seen = read_messages(StoreRunData(inspected_sites.store, inspected_sites["trs"].run_id))
    assert seen  # the trs family has consult columns with messages (the manifest's boards)
    stored = seen_to_json(seen[0])
    assert {f.name for f in fields(Message)} <= set(stored) | {"asked"}  # asked: the page's, stored as such
    assert {"seen_asked", "asked_from", "column", "column_url", "source", "detail"} <= set(stored)


def test_a_payload_of_another_layout_is_computed_again(inspected_sites: InspectedSites, tmp_path: Any) -> None:
    store = inspected_sites.copy_store(tmp_path)
    run_id = inspected_sites["trs"].run_id
    reads, payload = run_analyses(store, [run_id])[run_id]["columns"]
    assert reads == []  # column discovery and figures read no section: only the judgement does
    save_run_analyses(store, run_id, {"columns": (reads, [{"name": c["name"]} for c in payload])})
    data = StoreRunData(store, run_id)
    columns = columns_of(data)
    assert "columns" not in data.restored
    assert columns == analyze_columns(StoreRunData(store, run_id)) and len(columns) == len(payload)


def test_an_analysis_whose_read_section_differs_is_computed_again(inspected_sites: InspectedSites,
                                                                   tmp_path: Any) -> None:
    """An analysis stored as having read ``columns`` is not restored under a table of other windows."""
    store = inspected_sites.copy_store(tmp_path)
    run_id = inspected_sites["trs"].run_id
    _, payload = run_analyses(store, [run_id])[run_id]["columns"]
    save_run_analyses(store, run_id, {"columns": (["columns"], payload)})
    own = StoreRunData(store, run_id)
    columns_of(own)
    assert "columns" in own.restored
    other = StoreRunData(store, run_id, rules=load_ruleset("suqian-2022"))
    columns_of(other)
    assert "columns" not in other.restored
