"""Re-scoring many stored runs at once (``scoring.runs.score_stored_runs``, the province re-score)
gives every run the very sheet the one-run path (``score_stored_run``) gives it, stores one sheet
per (run, table), and reads the page facts and bodies the checks ask for no differently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from govwatch.rules import load_ruleset
from govwatch.scoring import runs as scoring
from govwatch.store import tables as t
from govwatch.store.db import Store
from govwatch.store.run_results import TRACES, sheet_from_store
from govwatch.store.stored_run import StoreRunData


def sheet_bytes(sheet: dict[str, Any]) -> bytes:
    return orjson.dumps(sheet, option=orjson.OPT_SORT_KEYS)


def stored_sheets(store: Store, ruleset: str) -> dict[int, list[bytes]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.scores.c.run_id, t.scores.c.sheet).where(t.scores.c.ruleset == ruleset)).all()
    out: dict[int, list[bytes]] = {}
    for run_id, sheet in rows:
        out.setdefault(run_id, []).append(sheet_bytes(sheet_from_store(sheet)))
    return out


@pytest.fixture(scope="module")
def runs(inspected_sites: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, list[int]]:
    """Every family site of the simulator inspected, in a private copy of the store."""
    ids = [inspected_sites[site].run_id for site in inspected_sites.site_ids()]
    return inspected_sites.copy_store(tmp_path_factory.mktemp("rescore")), ids


@pytest.mark.parametrize("table", ["national-2019", "suqian-2022"])
def test_batch_sheets_equal_one_run_sheets(runs: tuple[Store, list[int]], table: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    store, run_ids = runs
    assert len(run_ids) >= 4
    rules = load_ruleset(table)
    monkeypatch.setattr(scoring, "RESCORE_CHUNK", 2)  # chunks end mid-list and the last one is short
    batch = scoring.score_stored_runs(store, run_ids, rules)
    single = [scoring.score_stored_run(store, run_id, rules).sheet for run_id in run_ids]

    assert [s["run_id"] for s in batch] == run_ids
    assert [s["ruleset"]["id"] for s in batch] == [table] * len(run_ids)
    assert [sheet_bytes(s) for s in batch] == [sheet_bytes(s) for s in single]
    stored = stored_sheets(store, table)  # replaced, not added: one sheet per run and table after both passes
    assert {r: stored[r] for r in run_ids} == {r: [sheet_bytes(s)] for r, s in zip(run_ids, single, strict=True)}


def test_a_sheet_is_stored_short_and_read_back_whole(runs: tuple[Store, list[int]]) -> None:
    """The per-finding trace is stored as its distinct entries (fewer than the findings), and read
    back equal, in order; a sheet stored whole (before the short form) is read as it is."""
    store, run_ids = runs
    sheet = scoring.score_stored_run(store, run_ids[0]).sheet
    with store.engine.connect() as conn:
        raw = conn.execute(select(t.scores.c.sheet).where(t.scores.c.run_id == run_ids[0])
                           .order_by(t.scores.c.id.desc())).scalars().first()
    assert "findings" not in raw and len(raw[TRACES]["ids"]) == len(sheet["findings"]) > len(raw[TRACES]["entries"])
    back = sheet_from_store(raw)
    assert back == sheet and list(back) == list(sheet) and list(back["findings"]) == list(sheet["findings"])
    assert sheet_from_store(sheet) == sheet and sheet_from_store(None) is None


def test_tables_differ_so_the_comparison_can_fail(runs: tuple[Store, list[int]]) -> None:
    """The two tables score the runs differently: equal sheets above are not equal by accident."""
    store, run_ids = runs
    first = scoring.score_stored_runs(store, run_ids, load_ruleset("national-2019"))
    second = scoring.score_stored_runs(store, run_ids, load_ruleset("suqian-2022"))
    assert [sheet_bytes(a) for a in first] != [sheet_bytes(b) for b in second]


def test_page_facts_read_again_are_the_same(runs: tuple[Store, list[int]], tmp_path: Path) -> None:
    """page() keeps what it read: a second read (and a fresh run data's read) gives equal facts,
    a copy each time, and an unknown URL gives None; body() reads through the same connection."""
    store, run_ids = runs
    data = StoreRunData(store, run_ids[0])
    urls = [url for url, row in data.fetches.items() if row["role"] == "page"][:20]
    first = [data.page(url) for url in urls]
    assert all(facts is not None for facts in first)
    again = [data.page(url) for url in urls]
    fresh = StoreRunData(store, run_ids[0])
    assert again == first == [fresh.page(url) for url in urls]
    assert all(a is not b for a, b in zip(first, again, strict=True))
    assert data.page("http://127.0.0.1:1/none.html") is None
    body = data.body(urls[0])
    assert body is not None and body == dict(fresh.bodies([urls[0]]))[urls[0]]


def test_reviewer_input_and_filings_count_in_the_batch(runs: tuple[Store, list[int]], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch reads reviewer input only for runs that may have some (ReviewerInput): a reviewer
    finding, an exemption, an assessment and a filing, each on another run, change those runs'
    sheets exactly as the one-run path scores them, and leave the other runs' sheets alone."""
    from datetime import date

    from govwatch.registry.filings import add_filing
    from govwatch.scoring.review import add_finding, assess, exempt
    from govwatch.scoring.runs import stored_findings

    source, run_ids = runs
    with source.engine.connect() as conn:  # a private copy: the other tests' store stays without input
        path = tmp_path / "reviewed.db"
        conn.exec_driver_sql(f"VACUUM INTO '{path}'")
    store = Store(f"sqlite:///{path}")
    rules = load_ruleset("national-2019")
    before = scoring.score_stored_runs(store, run_ids, rules)
    first, second, third, fourth = run_ids[:4]
    add_finding(store, first, rules, indicator="wording", kind="typo", url="http://x/a.html", message="错别字「防碍」")
    target = stored_findings(store, second)[0]
    exempt(store, second, store.run(second)["site_id"], target.fingerprint, "外部原因", reviewer="张三")
    assess(store, third, rules, rules.data["indicators"][0]["id"], "人工核查无问题")
    day = date.fromisoformat(store.run(fourth)["as_of"][:10])
    add_filing(store, store.site(store.run(fourth)["site_id"])["url"], day, day, "系统迁移")
    monkeypatch.setattr(scoring, "RESCORE_CHUNK", 3)
    batch = scoring.score_stored_runs(store, run_ids, rules)
    single = [scoring.score_stored_run(store, run_id, rules).sheet for run_id in run_ids]
    assert [sheet_bytes(s) for s in batch] == [sheet_bytes(s) for s in single]
    changed = {s["run_id"] for s, b in zip(batch, before, strict=True) if sheet_bytes(s) != sheet_bytes(b)}
    assert {first, second, third, fourth} <= changed
    store.close()
