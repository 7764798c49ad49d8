"""临时报备 edits and withdrawals: the window the engine sees changes, and the audit trail keeps
every version (a withdrawn filing's full row included)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from govwatch.commands.main import main
from govwatch.registry import RegistryError, active_filings, add_filing, list_filings
from govwatch.registry.filings import edit_filing, filing_history, withdraw_filing
from govwatch.store.db import Store

SITE = "http://www.nc.gov.cn/"


def _filed(store: Store) -> tuple[int, int]:
    site = store.site_id(SITE, "/")
    filing = add_filing(store, SITE, "2026-12-01", "2026-12-03", "网站改版", ["broken_link"], actor="张三")
    return site, int(filing["id"])


def test_edit_moves_the_window_and_records_before_and_after(store: Store) -> None:
    site, filing = _filed(store)
    row = edit_filing(store, filing, ends="2026-12-10", all_kinds=True, actor="李四", note="改版延期")
    assert (row["starts"], row["ends"], row["kinds"], row["reason"]) == ("2026-12-01", "2026-12-10", None, "网站改版")
    assert [f["id"] for f in active_filings(store, site, date(2026, 12, 8))] == [filing]
    add, edit = filing_history(store, filing)
    assert (add["action"], add["actor"], add["data"]["reason"]) == ("add", "张三", "网站改版")
    assert (edit["action"], edit["actor"], edit["note"]) == ("edit", "李四", "改版延期")
    assert edit["data"] == {"before": {"ends": "2026-12-03", "kinds": ["broken_link"]},
                            "after": {"ends": "2026-12-10", "kinds": None}}


def test_bad_edits_change_nothing(store: Store) -> None:
    _, filing = _filed(store)
    cases = [({"ends": "2026-11-30"}, "早于开始日期"), ({"ends": "2026-12-03"}, "没有要修改的内容"),
             ({"starts": "12/01"}, "开始日期（--from）须为 YYYY-MM-DD 格式的日期"), ({"reason": " "}, "报备事由"),
             ({"kinds": ["Bad Kind"]}, "不是问题类型"),
             ({"kinds": ["broken_link"], "all_kinds": True}, "只能给出一个")]
    for change, message in cases:
        with pytest.raises(RegistryError, match=message):
            edit_filing(store, filing, actor="李四", note="x", **change)  # type: ignore[arg-type]
    with pytest.raises(RegistryError, match="须说明原因"):
        edit_filing(store, filing, ends="2026-12-05", actor="李四", note="")
    with pytest.raises(RegistryError, match="没有编号为 999 的临时报备"):
        edit_filing(store, 999, ends="2026-12-05", actor="李四", note="x")
    assert [e["action"] for e in filing_history(store, filing)] == ["add"]
    assert list_filings(store)[0]["ends"] == "2026-12-03"


def test_withdrawal_deletes_the_row_and_keeps_it_in_the_trail(store: Store) -> None:
    site, filing = _filed(store)
    gone = withdraw_filing(store, filing, reason="报备有误", actor="李四")
    assert gone["id"] == filing and active_filings(store, site, date(2026, 12, 2)) == [] == list_filings(store)
    *_, withdraw = filing_history(store, filing)
    assert (withdraw["action"], withdraw["to_state"], withdraw["note"]) == ("withdraw", "withdrawn", "报备有误")
    assert withdraw["data"]["reason"] == "网站改版" and withdraw["data"]["kinds"] == ["broken_link"]
    with pytest.raises(RegistryError, match=f"没有编号为 {filing} 的临时报备"):
        withdraw_filing(store, filing, reason="again", actor="李四")
    with pytest.raises(RegistryError, match="没有编号为 999"):
        filing_history(store, 999)


def test_filing_cli_edit_withdraw_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "cli.db")
    Store(f"sqlite:///{db}").site_id(SITE, "/")
    assert main(["filing", "add", SITE, "--from", "2026-12-01", "--to", "2026-12-03", "--reason", "网站改版",
                 "--db", db]) == 0
    capsys.readouterr()
    assert main(["filing", "edit", "1", "--to", "2026-12-09", "--kinds", "stale_column", "--note", "延期",
                 "--db", db]) == 0
    assert "2026-12-01 至 2026-12-09（stale_column）" in capsys.readouterr().err
    assert main(["filing", "edit", "1", "--note", "无改动", "--db", db]) == 2
    assert "没有要修改的内容" in capsys.readouterr().err
    assert main(["filing", "withdraw", "1", "--reason", "报备有误", "--db", db]) == 0
    assert "已撤销" in capsys.readouterr().err
    assert main(["filing", "withdraw", "1", "--reason", "again", "--db", db]) == 2
    assert "没有编号为 1 的临时报备" in capsys.readouterr().err
    assert main(["filing", "history", "1", "--json", "-", "--db", db]) == 0
    events = json.loads(capsys.readouterr().out)["events"]
    assert [e["action"] for e in events] == ["add", "edit", "withdraw"]
    assert events[0]["actor"].startswith("cli")
