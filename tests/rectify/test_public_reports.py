"""找错/留言 tickets: deadlines in working days across real holidays, transitions with their audit
trail, overdue lists, reminders and per-site figures (docs/rectification.md §3).

Deadlines are hand-checked against govwatch/data/workdays.yaml for 2026: 中秋 09-25/09-27,
国庆 10-01/10-07, make-up working days Sunday 09-20 and Saturday 10-10; 2027 is not in the table.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from govwatch.rules.loader import load_ruleset
from govwatch.scoring import public_reports as pr
from govwatch.store.db import Store
from tests.rectify.public_report_support import FGW, JYJ, PORTAL, bj, registered


def _add(store: Store, site_id: int | None, received: Any, *, channel: str = "zhaocuo", category: str | None = None,
         **extra: Any) -> int:
    return pr.add_report(store, channel=channel, title="首页链接打不开", received_at=received, site_id=site_id,
                         category=category, actor="tester", **extra)


def _row(store: Store, report_id: int) -> dict[str, Any]:
    row: dict[str, Any] = pr.report_detail(store, report_id)["row"]
    return row


# -- deadlines ------------------------------------------------------------------------------


@pytest.mark.parametrize(("channel", "category", "received", "forward_by", "answer_by"), [
    # 找错 on the eve of 国庆: the 1st working day after is 10-08; the 3rd is the make-up Saturday 10-10
    ("zhaocuo", None, bj(2026, 9, 30, 16, 20), "2026-10-08", "2026-10-10"),
    # 投诉 5 working days: 10-08, 10-09, 10-10 (Sat, worked), 10-12, 10-13
    ("message", "投诉", bj(2026, 9, 30, 11, 47), "2026-10-08", "2026-10-13"),
    # received inside the holiday: the count starts after it all the same
    ("message", "咨询", bj(2026, 10, 3, 20, 0), "2026-10-08", "2026-10-08"),
    # Friday 09-18: the next working day is the make-up Sunday 09-20
    ("message", "咨询", bj(2026, 9, 18, 16, 5), "2026-09-20", "2026-09-20"),
    # Thursday before 中秋 (Fri 09-25 to Sun 09-27): 09-28, 09-29, 09-30
    ("zhaocuo", None, bj(2026, 9, 24, 9, 0), "2026-09-28", "2026-09-30"),
    # 建议 and an unknown type (其他) take 5 working days
    ("message", "建议", bj(2026, 9, 30, 9, 0), "2026-10-08", "2026-10-13"),
    ("message", "表扬", bj(2026, 9, 30, 9, 0), "2026-10-08", "2026-10-13"),
])
def test_deadlines_are_counted_in_working_days_across_holidays(store: Store, channel: str, category: str | None,
                                                                received: Any, forward_by: str,
                                                                answer_by: str) -> None:
    row = _row(store, _add(store, None, received, channel=channel, category=category))
    assert row["forward_deadline"] == f"{forward_by}T23:59:59+08:00"
    assert row["answer_deadline"] == f"{answer_by}T23:59:59+08:00"
    assert row["deadline_estimated"] is False
    assert row["category"] == (None if channel == "zhaocuo" else {"表扬": "其他"}.get(category or "", category))


def test_a_deadline_in_a_year_the_calendar_lacks_is_marked_estimated(store: Store) -> None:
    row = _row(store, _add(store, None, bj(2026, 12, 30, 10, 0)))
    # 12-31 (Thu), then 2027 counted Monday–Friday: 01-01 (Fri), 01-04 (Mon)
    assert row["answer_deadline"] == "2027-01-04T23:59:59+08:00"
    assert row["deadline_estimated"] is True
    assert _row(store, _add(store, None, bj(2026, 12, 1, 10, 0)))["deadline_estimated"] is False


def test_a_naive_time_is_beijing_time_and_an_aware_one_is_converted(store: Store) -> None:
    from datetime import UTC, datetime

    naive = _row(store, _add(store, None, datetime(2026, 9, 30, 23, 30)))
    assert naive["received_at"] == "2026-09-30T23:30:00+08:00"
    # 16:30 UTC on 09-30 is 00:30 on 10-01 in Beijing: received in the holiday, not on the 30th
    utc = _row(store, _add(store, None, datetime(2026, 9, 30, 16, 30, tzinfo=UTC), channel="message", category="投诉"))
    assert utc["received_at"] == "2026-10-01T00:30:00+08:00"
    assert utc["answer_deadline"] == "2026-10-13T23:59:59+08:00"


def _table_with(tmp_path: Path, section: dict[str, Any] | None) -> Path:
    data = yaml.safe_load(Path(load_ruleset("national-2019").path).read_text(encoding="utf-8"))
    data.pop("public_reports", None)
    if section is not None:
        data["public_reports"] = section
    data["id"] = "local-test"
    path = tmp_path / "local.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_rule_tables_section_sets_the_limits_and_code_defaults_fill_the_rest(store: Store, tmp_path: Path) -> None:
    rules = load_ruleset(str(_table_with(tmp_path, {"answer_within": {"zhaocuo": 5}})))
    assert pr.limits(rules) == (1, {"zhaocuo": 5, "consult": 1, "complaint": 5, "suggestion": 5, "other": 5})
    row = _row(store, _add(store, None, bj(2026, 9, 30, 16, 20), rules=rules))
    assert row["forward_deadline"].startswith("2026-10-08")  # the table is silent: 1 working day
    assert row["answer_deadline"].startswith("2026-10-13")  # the table's 5 instead of 3
    two_days = load_ruleset(str(_table_with(tmp_path, {"forward_within": 2})))
    assert _row(store, _add(store, None, bj(2026, 9, 30, 16, 20), rules=two_days))["forward_deadline"].startswith(
        "2026-10-09")


def test_shipped_tables_citing_seed_001_and_002_carry_the_section_the_others_take_the_defaults() -> None:
    seeds = (1, {"zhaocuo": 3, "consult": 1, "complaint": 5, "suggestion": 5, "other": 5})
    for name in ("national-2019", "suqian-2022"):
        assert load_ruleset(name).public_reports, name
        assert pr.limits(load_ruleset(name)) == seeds
    assert load_ruleset("census-2015").public_reports == {}
    assert pr.limits(load_ruleset("census-2015")) == seeds == pr.limits(None)


def test_a_bad_section_is_rejected_by_the_schema(tmp_path: Path) -> None:
    from govwatch.rules.loader import RulesError

    with pytest.raises(RulesError, match="public_reports"):
        load_ruleset(str(_table_with(tmp_path, {"answer_within": {"zhaocuo": -1}})))
    with pytest.raises(RulesError, match="public_reports"):
        load_ruleset(str(_table_with(tmp_path, {"reply_within": 3})))


# -- adding and transitions ---------------------------------------------------------------------


def test_add_validates_its_input_and_gives_an_id(store: Store) -> None:
    sites = registered(store)
    first = _add(store, sites[PORTAL], bj(2026, 9, 30, 16, 20))
    assert _row(store, first)["external_id"] == f"GW-{first:06d}"
    by_name = pr.add_report(store, channel="留言", title="咨询", received_at="2026-09-30 09:00",
                            site_name="宁川市教育局", category="咨询类", actor="tester")
    row = _row(store, by_name)
    assert (row["site_id"], row["channel"], row["category"], row["site_url"]) == (sites[JYJ], "message", "咨询", JYJ)
    unknown = pr.add_report(store, channel="找错", title="x", received_at=bj(2026, 9, 30), site_name="宁川市水利局",
                            actor="tester")
    row = _row(store, unknown)
    assert row["site_id"] is None and row["site_name"] == "宁川市水利局" and row["site_label"].endswith("（未匹配网站）")
    with pytest.raises(pr.PublicReportError, match="未知的渠道"):
        pr.add_report(store, channel="微博", title="x", received_at=bj(2026, 9, 30), actor="tester")
    with pytest.raises(pr.PublicReportError, match="标题不能为空"):
        pr.add_report(store, channel="zhaocuo", title="  ", received_at=bj(2026, 9, 30), actor="tester")
    with pytest.raises(pr.PublicReportError, match="不是日期时间"):
        pr.add_report(store, channel="zhaocuo", title="x", received_at="九月三十日", actor="tester")
    with pytest.raises(pr.PublicReportError, match="没有编号为 999 的已登记网站"):
        _add(store, 999, bj(2026, 9, 30))
    _add(store, None, bj(2026, 9, 30), external_id="ZC1")
    with pytest.raises(pr.PublicReportError, match="编号 ZC1 已存在"):
        _add(store, None, bj(2026, 9, 30), external_id="ZC1")
    assert _add(store, None, bj(2026, 9, 30), channel="message", external_id="ZC1")  # another channel's numbering


def test_a_report_goes_received_forwarded_answered_closed_with_an_audit_event_each(store: Store) -> None:
    sites = registered(store)
    rid = _add(store, sites[PORTAL], bj(2026, 9, 30, 16, 20))
    pr.forward_report(store, rid, actor="office", at=bj(2026, 10, 8, 23, 59, 59))  # the last second: on time
    pr.answer_report(store, rid, "该链接已修复", actor="unit", at=bj(2026, 10, 11, 0, 0, 0))  # a day late
    pr.close_report(store, rid, actor="office", at=bj(2026, 10, 12, 9, 0))
    detail = pr.report_detail(store, rid)
    row = detail["row"]
    assert (row["state"], row["state_label"], row["answer"]) == ("closed", "已办结", "该链接已修复")
    assert (row["forward_on_time"], row["answer_on_time"]) == (True, False)
    assert row["forwarded_at"] == "2026-10-08T23:59:59+08:00" and row["closed_at"] == "2026-10-12T09:00:00+08:00"
    trail = [(e["action"], e["actor"], e["from_state"], e["to_state"]) for e in detail["events"]]
    assert trail == [("add", "tester", None, "received"), ("forward", "office", "received", "forwarded"),
                     ("answer", "unit", "forwarded", "answered"), ("close", "office", "answered", "closed")]
    assert detail["events"][1]["data"] == {"on_time": True, "deadline": "2026-10-08T23:59:59+08:00"}
    assert detail["events"][2]["data"]["on_time"] is False


def test_illegal_steps_are_refused_in_chinese_and_change_nothing(store: Store) -> None:
    rid = _add(store, None, bj(2026, 9, 30, 16, 20))
    with pytest.raises(pr.PublicReportError, match="早于提交时间"):
        pr.forward_report(store, rid, actor="office", at=bj(2026, 9, 30, 16, 0))
    with pytest.raises(pr.PublicReportError, match="尚未答复.*须说明理由"):
        pr.close_report(store, rid, actor="office")
    with pytest.raises(pr.PublicReportError, match="答复内容不能为空"):
        pr.answer_report(store, rid, "  ", actor="unit")
    pr.forward_report(store, rid, actor="office", at=bj(2026, 10, 9, 0, 0))
    with pytest.raises(pr.PublicReportError, match="当前为「已转办」，只有「待转办」的记录可以转办"):
        pr.forward_report(store, rid, actor="office")
    pr.close_report(store, rid, actor="office", note="重复提交，已并入 ZC2026093000011", at=bj(2026, 10, 9, 9, 0))
    for step in (lambda: pr.close_report(store, rid, actor="office", note="再次"),
                 lambda: pr.answer_report(store, rid, "答复", actor="unit")):
        with pytest.raises(pr.PublicReportError, match="已办结"):
            step()
    with pytest.raises(pr.PublicReportError, match="没有编号为 4242"):
        pr.forward_report(store, 4242, actor="office")
    detail = pr.report_detail(store, rid)
    assert [e["action"] for e in detail["events"]] == ["add", "forward", "close"]
    assert detail["events"][-1]["note"] == "重复提交，已并入 ZC2026093000011"
    assert detail["row"]["forward_on_time"] is False and detail["row"]["answered_at"] is None


def test_an_answer_straight_from_received_leaves_the_forward_unjudged(store: Store) -> None:
    sites = registered(store)
    rid = _add(store, sites[FGW], bj(2026, 9, 30, 16, 20), channel="message", category="咨询")
    pr.answer_report(store, rid, "已电话答复", actor="office", at=bj(2026, 10, 8, 10, 0))
    row = _row(store, rid)
    assert (row["state"], row["forwarded_at"], row["forward_on_time"], row["answer_on_time"]) == (
        "answered", None, None, True)
    assert row["overdue_steps"] == []  # nothing waits any more
    figures = pr.public_report_figures(store, [sites[FGW]], date(2026, 9, 1), date(2026, 9, 30),
                                       as_of=bj(2026, 12, 1))
    assert figures[FGW] == {"received": 1, "forwarded_on_time": 0, "forwarded_late": 0, "answered_on_time": 1,
                            "answered_late": 0, "overdue_open": 0, "closed": 0}


# -- lists, reminders, figures ---------------------------------------------------------------------


def test_overdue_lists_name_the_step_that_is_late(store: Store) -> None:
    sites = registered(store)
    waiting = _add(store, sites[PORTAL], bj(2026, 9, 30, 16, 20))  # forward by 10-08, answer by 10-10
    forwarded = _add(store, sites[FGW], bj(2026, 9, 30, 16, 20))
    pr.forward_report(store, forwarded, actor="office", at=bj(2026, 10, 8, 9, 0))
    done = _add(store, sites[FGW], bj(2026, 9, 30, 16, 20))
    pr.answer_report(store, done, "已修复", actor="office", at=bj(2026, 10, 8, 9, 0))

    assert pr.list_reports(store, overdue_on=bj(2026, 10, 8, 23, 59, 59)) == []
    on_9th = pr.list_reports(store, overdue_on=bj(2026, 10, 9, 10, 0))
    assert [(r["id"], r["overdue_steps"]) for r in on_9th] == [(waiting, ["forward"])]
    on_11th = pr.list_reports(store, overdue_on=bj(2026, 10, 11, 0, 0))
    assert [(r["id"], r["overdue_steps"]) for r in on_11th] == [(waiting, ["forward", "answer"]),
                                                                (forwarded, ["answer"])]
    assert [r["id"] for r in pr.list_reports(store, site_ids=[sites[FGW]])] == [forwarded, done]
    assert [r["id"] for r in pr.list_reports(store, states=["answered", "received"])] == [waiting, done]
    with pytest.raises(pr.PublicReportError, match="未知的状态"):
        pr.list_reports(store, states=["open"])


def test_reminders_list_deadlines_inside_the_window_not_yet_met(store: Store) -> None:
    sites = registered(store)
    forward_soon = _add(store, sites[PORTAL], bj(2026, 9, 30, 16, 20))  # forward by 10-08 23:59:59
    answer_later = _add(store, sites[FGW], bj(2026, 9, 30, 11, 0), channel="message", category="投诉")
    pr.forward_report(store, answer_later, actor="office", at=bj(2026, 10, 1, 9, 0))  # answer by 10-13
    _add(store, sites[FGW], bj(2026, 9, 18, 9, 0))  # forward deadline 09-20 passed: overdue, no reminder
    closed = _add(store, sites[JYJ], bj(2026, 9, 30, 16, 20))
    pr.close_report(store, closed, actor="office", note="无效信息")

    due = pr.due_reports(store, bj(2026, 10, 8, 8, 0), 24)
    assert [(r["id"], r["due_step"], r["due_at"], r["hours_left"]) for r in due] == [
        (forward_soon, "forward", "2026-10-08T23:59:59+08:00", 16.0)]
    later = pr.due_reports(store, bj(2026, 10, 12, 9, 0), 48)
    assert [(r["id"], r["due_step"], r["due_at"]) for r in later] == [
        (answer_later, "answer", "2026-10-13T23:59:59+08:00")]
    assert later[0]["due_step_label"] == "答复"


def test_figures_per_site_count_on_time_late_overdue_and_closed_in_the_period(store: Store) -> None:
    sites = registered(store)
    portal, fgw = sites[PORTAL], sites[FGW]
    # portal: on time all the way and closed; forwarded late and answered on time; untouched (overdue)
    a = _add(store, portal, bj(2026, 10, 8, 9, 0))  # forward by 10-09, answer by 10-12
    pr.forward_report(store, a, actor="o", at=bj(2026, 10, 8, 15, 0))
    pr.answer_report(store, a, "已改", actor="u", at=bj(2026, 10, 10, 9, 0))
    pr.close_report(store, a, actor="o", at=bj(2026, 10, 10, 10, 0))
    _add(store, portal, bj(2026, 9, 30, 23, 59, 59))  # the day before the period: not counted
    b = _add(store, portal, bj(2026, 10, 1, 0, 1, 0), channel="message", category="投诉")
    pr.forward_report(store, b, actor="o", at=bj(2026, 10, 9, 9, 0))
    pr.answer_report(store, b, "已协调", actor="u", at=bj(2026, 10, 13, 18, 0))
    _add(store, portal, bj(2026, 10, 9, 9, 0))
    # fgw: answered late, not closed; received after the period (not counted)
    c = _add(store, fgw, bj(2026, 10, 31, 23, 59, 59), channel="message", category="咨询")
    pr.forward_report(store, c, actor="o", at=bj(2026, 11, 2, 9, 0))
    pr.answer_report(store, c, "答复", actor="u", at=bj(2026, 11, 3, 9, 0))
    _add(store, fgw, bj(2026, 11, 1, 0, 0, 0))
    _add(store, None, bj(2026, 10, 9, 9, 0), site_name="宁川市水利局")  # unmatched: in no site's figures

    figures = pr.public_report_figures(store, [portal, fgw, sites[JYJ]], date(2026, 10, 1), date(2026, 10, 31),
                                       as_of=bj(2026, 11, 20, 12, 0))
    assert figures == {
        PORTAL: {"received": 3, "forwarded_on_time": 1, "forwarded_late": 1, "answered_on_time": 2,
                 "answered_late": 0, "overdue_open": 1, "closed": 1},
        FGW: {"received": 1, "forwarded_on_time": 1, "forwarded_late": 0, "answered_on_time": 0, "answered_late": 1,
              "overdue_open": 0, "closed": 0},
        JYJ: dict.fromkeys(("received", "forwarded_on_time", "forwarded_late", "answered_on_time", "answered_late",
                            "overdue_open", "closed"), 0),
    }
    # at an earlier time point the untouched report was not overdue yet (forward by 10-10, Saturday worked)
    early = pr.public_report_figures(store, [portal], date(2026, 10, 1), date(2026, 10, 31), as_of=bj(2026, 10, 10, 9, 0))
    assert early[PORTAL]["overdue_open"] == 0
    with pytest.raises(pr.PublicReportError, match="早于开始日期"):
        pr.public_report_figures(store, [portal], date(2026, 10, 31), date(2026, 10, 1))
    with pytest.raises(pr.PublicReportError, match="没有编号为 77 的网站"):
        pr.public_report_figures(store, [77], date(2026, 10, 1), date(2026, 10, 31))
