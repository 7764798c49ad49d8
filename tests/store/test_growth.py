"""Store growth (docs/deploy.md §3) on SQLite and PostgreSQL: probe rows rolled up into probe_days
with every availability figure unchanged, page bodies pruned to the policy (a finding's and a
ticket's bodies and the newest runs' kept, the rest freed), sizes, and the ``govwatch store`` CLI.

Ground truth is built by hand here: probe rows with known outcomes per day, runs whose bodies are
known to be kept or released.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text

from govwatch.checks.availability import judge_target
from govwatch.commands.main import main
from govwatch.core.clock import today as today_shanghai
from govwatch.core.windows import visit_failed
from govwatch.store import tables as t
from govwatch.store.blobs import body_hash, compress
from govwatch.store.dashboard_rows import availability_days
from govwatch.store.db import Store, now_iso
from govwatch.store.growth_rows import prune_bodies, roll_up_probes, store_stats
from govwatch.store.probes import probes_in_window, save_rows
from govwatch.store.run_listing import set_run_kind

HOME = "http://www.growth.gov.cn/"
COLUMN = "http://www.growth.gov.cn/zwgk/"
TODAY = date(2026, 11, 30)
KEEP_DAYS = 90
CUTOFF = TODAY - timedelta(days=KEEP_DAYS - 1)  # the first day kept as rows


# -- probe roll-up ------------------------------------------------------------------------------

def probe_rows(site_id: int, first: date, days: int, seed: int = 5) -> list[dict[str, Any]]:
    """24 visits a day of the homepage and 4 of a column, about 6% failed (some with a re-probe)."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for n in range(days):
        day = first + timedelta(days=n)
        for url, kind, visits in ((HOME, "homepage", 24), (COLUMN, "column", 4)):
            for i in range(visits):
                ok = rng.random() > 0.06
                confirmed = None if ok else {"at": f"{day}T{i % 24:02d}:00:01.000+08:00", "ok": rng.random() > 0.5,
                                             "status": None, "error": "timeout", "total_ms": 15000.0}
                rows.append({"site_id": site_id, "target_kind": kind, "url": url,
                             "at": f"{day.isoformat()}T{i % 24:02d}:{(i * 7) % 60:02d}:00.000+08:00", "ok": ok,
                             "status": 200 if ok else None, "error": None if ok else "timeout",
                             "total_ms": round(rng.uniform(40, 900), 1) if ok else 15000.0, "bytes": 2048,
                             "timeout_s": 15.0, "confirmed_by": confirmed})
    return rows


def figures(store: Store, site_id: int, as_of: date, days: int = 7) -> dict[str, Any]:
    """Every availability figure a reader sees for the window ending ``as_of``."""
    rows = probes_in_window(store, site_id, as_of, days)
    by_target: dict[str, Any] = {}
    for kind, url in (("homepage", HOME), ("column", COLUMN)):
        mine = [r for r in rows if r["url"] == url]
        per_day = Counter(r["at"][:10] for r in mine)
        failed = sum(visit_failed(r) for r in mine)
        verdicts = [(f.kind, f.evidence.get("visits"), f.evidence.get("failed"), f.evidence.get("failure_ratio"),
                     f.evidence.get("visits_per_day_min"))
                    for f in judge_target(kind, url, sorted(mine, key=lambda r: r["at"]), label=kind, as_of=as_of,
                                          window_days=days, min_daily_visits=20, max_failure_ratio=0.05,
                                          timeout_s=15.0)]
        by_target[kind] = {"visits": len(mine), "failed": failed, "per_day": dict(sorted(per_day.items())),
                           "verdicts": verdicts}
    dashboard = {kind: [(d.day, d.visits, d.failed) for d in availability_days(store, None, today=as_of, days=days,
                                                                               target_kind=kind)[site_id]]
                 for kind in ("homepage", "column")}
    return {"targets": by_target, "dashboard": dashboard}


def test_roll_up_keeps_every_availability_figure(any_store: Store) -> None:
    site = any_store.site_id(HOME)
    first = CUTOFF - timedelta(days=6)
    save_rows(any_store, probe_rows(site, first, 12))  # 6 days before the cutoff, 6 from it
    # windows of rolled-up days only, spanning both, and of kept rows (one rolled-up day)
    windows = [CUTOFF - timedelta(days=1), CUTOFF + timedelta(days=2), CUTOFF + timedelta(days=5)]
    before = {w: figures(any_store, site, w) for w in windows}
    assert before[windows[1]]["targets"]["homepage"]["visits"] == 7 * 24
    assert any(before[w]["targets"]["homepage"]["verdicts"] for w in windows)  # some window has failures to judge

    done = roll_up_probes(any_store, keep_days=KEEP_DAYS, today=TODAY)

    assert done.cutoff == CUTOFF.isoformat()
    assert done.rows == 6 * 28 and done.site_days == 6
    with any_store.engine.connect() as conn:
        left = conn.execute(select(func.min(t.probes.c.at), func.count()).select_from(t.probes)).one()
        days = conn.execute(select(func.count(), func.sum(t.probe_days.c.visits))).one()
    assert left[0] >= CUTOFF.isoformat() and left[1] == 6 * 28  # the kept days are untouched
    assert tuple(days) == (12, 6 * 28)  # two targets x six days
    for w in windows:
        assert figures(any_store, site, w) == before[w], w

    again = roll_up_probes(any_store, keep_days=KEEP_DAYS, today=TODAY)  # idempotent
    assert again.rows == 0 and again.site_days == 0
    for w in windows:
        assert figures(any_store, site, w) == before[w]


def test_roll_up_adds_late_rows_to_a_rolled_up_day(any_store: Store) -> None:
    site = any_store.site_id(HOME)
    day = CUTOFF - timedelta(days=3)
    save_rows(any_store, probe_rows(site, day, 1, seed=9))
    roll_up_probes(any_store, keep_days=KEEP_DAYS, today=TODAY)
    late = probe_rows(site, day, 1, seed=10)[:5]  # rows a slow writer stored after the roll-up
    save_rows(any_store, late)
    expected = figures(any_store, site, day, days=1)  # rolled-up figures + the raw late rows
    roll_up_probes(any_store, keep_days=KEEP_DAYS, today=TODAY)
    assert figures(any_store, site, day, days=1) == expected
    assert expected["targets"]["homepage"]["visits"] == 24 + 5
    with any_store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.probes)).scalar() == 0
        row = conn.execute(select(t.probe_days).where(t.probe_days.c.target_kind == "homepage")).mappings().one()
    assert row["visits"] == 29 and row["failures"] == expected["targets"]["homepage"]["failed"]
    assert row["total_ms_count"] == 29 and row["total_ms_max"] is not None


# -- body pruning -------------------------------------------------------------------------------

class Runs:
    """Hand-built runs with known bodies: run -> {url: body}."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.bodies: dict[int, dict[str, bytes]] = {}

    def add(self, site_id: int, pages: dict[str, bytes], *, kind: str = "inspect", complete: bool = True,
            status: str = "completed") -> int:
        run_id = self.store.create_run(site_id, "2026-11-01", {})
        set_run_kind(self.store, run_id, kind)
        self.store.set_run_status(run_id, status)
        self.store.set_run_completeness(run_id, complete, [])
        with self.store.engine.begin() as conn:
            ids = self.store.url_ids(conn, pages)
            self.store.store_blobs(conn, {body_hash(b): (len(b), compress(b)) for b in pages.values()})
            conn.execute(insert(t.fetches), [
                {"run_id": run_id, "url_id": ids[url], "role": "page", "kind": "page", "depth": 0, "method": "GET",
                 "status": 200, "size": len(body), "body_hash": body_hash(body), "fetched_at": now_iso()}
                for url, body in pages.items()])
        self.bodies[run_id] = pages
        return run_id


def page(run: str, name: str) -> bytes:
    return f"<html><body>{run} {name} ".encode() + bytes(range(256)) * 8 + b"</body></html>"


def test_prune_keeps_the_newest_runs_and_what_findings_and_tickets_point_to(any_store: Store) -> None:
    a = any_store.site_id("http://a.gov.cn/")
    b = any_store.site_id("http://b.gov.cn/")
    runs = Runs(any_store)
    shared = b"<html>the same footer page in every run</html>"
    u = {name: f"http://a.gov.cn/{name}.html" for name in ("x", "y", "z")}
    r1 = runs.add(a, {u["x"]: page("r1", "x"), u["y"]: page("r1", "y"), u["z"]: shared})
    r2 = runs.add(a, {u["x"]: page("r2", "x"), u["y"]: page("r2", "y")})
    patrol = runs.add(a, {u["x"]: page("p", "x")}, kind="patrol")
    r3 = runs.add(a, {u["x"]: page("r3", "x")})
    broken = runs.add(a, {u["x"]: page("broken", "x")}, complete=False)  # not a complete full run
    r4 = runs.add(a, {u["x"]: page("r4", "x")})
    r5 = runs.add(a, {u["x"]: page("r5", "x"), u["z"]: shared})
    b1 = runs.add(b, {"http://b.gov.cn/": page("b1", "home")})
    b2 = runs.add(b, {"http://b.gov.cn/": page("b2", "home")})
    attachment = b"a screenshot the unit sent"
    with any_store.engine.begin() as conn:
        conn.execute(insert(t.findings).values(run_id=r1, kind="broken_link", code="links.broken", indicator="x",
                                               severity="error", url=u["y"], source=None, target=None, message="m",
                                               evidence={}, fingerprint="f1"))
        ticket = conn.execute(insert(t.rectify_tickets).values(
            site_id=a, fingerprint="f2", problem_id="P1", kind="broken_link", indicator="x", url="http://elsewhere/",
            source=u["x"], message="m", evidence={}, found_run_id=r2, state="pending", created_at=now_iso(),
            updated_at=now_iso())).inserted_primary_key[0]
        any_store.store_blobs(conn, {body_hash(attachment): (len(attachment), compress(attachment))})
        conn.execute(insert(t.ticket_attachments).values(ticket_id=ticket, filename="s.png", content_type="image/png",
                                                         size=len(attachment), blob_hash=body_hash(attachment),
                                                         created_at=now_iso()))
    kept_runs = {r3, broken, r4, r5, b1, b2}
    released_runs = {r1, r2, patrol}
    pinned = {page("r1", "y"), page("r2", "x")}
    freed = {page("r1", "x"), page("r2", "y"), page("p", "x")}
    with any_store.engine.connect() as conn:
        fetch_rows = conn.execute(select(func.count()).select_from(t.fetches)).scalar()
        stored = dict(conn.execute(select(t.blobs.c.hash, func.length(t.blobs.c.data))).all())

    dry = prune_bodies(any_store, keep_full_runs=3, dry_run=True)
    assert set(dry.released_runs) == released_runs
    assert dry.blobs_deleted == len(freed) and dry.pinned_fetches == len(pinned)
    assert all(any_store.body(body_hash(body)) is not None for body in freed)  # a dry run changes nothing

    done = prune_bodies(any_store, keep_full_runs=3)
    assert set(done.released_runs) == released_runs
    assert done.fetches_cleared == 4  # r1 x and z, r2 y, the patrol's x
    assert done.blobs_deleted == len(freed)
    assert done.bytes_freed == sum(stored[body_hash(body)] for body in freed) == dry.bytes_freed
    for body in freed:
        assert any_store.body(body_hash(body)) is None
    for body in pinned | {shared, attachment}:
        assert any_store.body(body_hash(body)) == body
    for run_id in kept_runs:
        for body in runs.bodies[run_id].values():
            assert any_store.body(body_hash(body)) == body, run_id
    with any_store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.fetches)).scalar() == fetch_rows  # rows stay
        assert conn.execute(select(func.count()).select_from(t.runs)).scalar() == 9

    assert prune_bodies(any_store, keep_full_runs=3).blobs_deleted == 0  # nothing left to free


def test_stats_count_rows_bodies_and_sites(any_store: Store) -> None:
    a = any_store.site_id("http://a.gov.cn/")
    b = any_store.site_id("http://b.gov.cn/")
    runs = Runs(any_store)
    runs.add(a, {"http://a.gov.cn/1": page("a", "1"), "http://a.gov.cn/2": page("a", "2")})
    runs.add(b, {"http://b.gov.cn/1": b"small"})
    save_rows(any_store, probe_rows(a, TODAY, 1)[:3])
    stats = store_stats(any_store)
    tables = {row["table"]: row for row in stats["tables"]}
    assert tables["fetches"]["rows"] == 3 and tables["probes"]["rows"] == 3 and tables["runs"]["rows"] == 2
    assert tables["blobs"]["bytes"] and tables["blobs"]["bytes"] > 0
    assert stats["bodies"]["count"] == 3
    assert stats["bodies"]["bytes"] == 2 * len(page("a", "1")) + len(b"small")
    assert [s["site_id"] for s in stats["sites"]] == [a, b]
    assert stats["sites"][0]["bodies"] == 2 and stats["sites"][0]["probe_rows"] == 3


# -- the CLI ----------------------------------------------------------------------------------

def test_cli_stats_and_prune(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "gw.db"
    store = Store(f"sqlite:///{db}")
    site = store.site_id(HOME)
    today = today_shanghai()
    save_rows(store, probe_rows(site, today - timedelta(days=100), 2))
    runs = Runs(store)
    for n in range(3):
        runs.add(site, {HOME: page(f"r{n}", "home")})
    store.close()

    assert main(["store", "stats", "--json", "--db", str(db)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert {r["table"]: r["rows"] for r in stats["tables"]}["probes"] == 56

    assert main(["store", "prune", "--dry-run", "--keep-full-runs", "2", "--json", "--db", str(db)]) == 0
    out, err = capsys.readouterr()
    dry = json.loads(out)
    assert dry["probes"]["rows"] == 56 and dry["bodies"]["blobs_deleted"] == 1
    assert "演练" in err and "56 条" in err

    assert main(["store", "prune", "--keep-full-runs", "2", "--db", str(db)]) == 0
    assert "已删除 1 份" in capsys.readouterr().err
    check = Store(f"sqlite:///{db}")
    try:
        assert check.body(body_hash(page("r0", "home"))) is None
        assert check.body(body_hash(page("r2", "home"))) is not None
        assert len(probes_in_window(check, site, today - timedelta(days=99), 2)) == 56  # from probe_days now
        with check.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(t.probes)).scalar() == 0
    finally:
        check.close()


@pytest.mark.parametrize("argv, message", [
    (["store", "prune", "--keep-full-runs", "0"], "--keep-full-runs 须为不小于 1 的整数"),
    (["store", "prune", "--probe-retention-days", "-3"], "--probe-retention-days 须为不小于 1 的整数"),
])
def test_cli_rejects_bad_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                                message: str) -> None:
    assert main([*argv, "--db", str(tmp_path / "gw.db")]) == 2
    assert message in capsys.readouterr().err


def test_cli_reads_the_service_configs_store_section(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "service.yaml"
    config.write_text("store:\n  keep_full_runs: 7\n  probe_retention_days: 30\n", encoding="utf-8")
    assert main(["store", "prune", "--dry-run", "--json", "--service-config", str(config),
                 "--db", str(tmp_path / "gw.db")]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["keep_full_runs"], shown["probe_retention_days"]) == (7, 30)
    config.write_text("store:\n  keep_full_run: 7\n", encoding="utf-8")
    assert main(["store", "prune", "--service-config", str(config), "--db", str(tmp_path / "gw.db")]) == 2
    assert "keep_full_run" in capsys.readouterr().err


def test_reading_bodies_holds_no_transaction_between_chunks(any_store: Store) -> None:
    """``StoreRunData.bodies`` yields bodies while the caller works on each (an attachment parsed
    for seconds): its connection is in autocommit, so no transaction (no PostgreSQL snapshot that
    holds back vacuum) stays open meanwhile; the bodies are the stored ones, in the order asked."""
    from govwatch.store.stored_run import StoreRunData

    site = any_store.site_id("http://a.gov.cn/")
    pages = {f"http://a.gov.cn/{i}.html": page("r", str(i)) for i in range(3)}
    run_id = Runs(any_store).add(site, pages)
    data = StoreRunData(any_store, run_id)
    seen = []
    for url, body in data.bodies(reversed(list(pages))):
        seen.append((url, body))
        if any_store.engine.dialect.name == "postgresql":
            with any_store.engine.connect() as conn:
                open_transactions = conn.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state = 'idle in transaction' AND pid <> pg_backend_pid()")).scalar()
            assert open_transactions == 0
    assert seen == [(url, pages[url]) for url in reversed(list(pages))]
