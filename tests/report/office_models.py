"""Hand-made document models of a 整改通知 and a 复查报告 (the shapes of docs/rectification.md §2, as
``scoring/tickets.notice_model`` / ``recheck_model`` build them: raw evidence dicts, ISO dates).

27 problems of one unit in three classes (12 links, 9 columns not updated, 6 blank columns), so the
numbering inside a class passes 十 and the reply form runs over pages.
"""

from __future__ import annotations

from typing import Any

HOME = "https://edu.jiashi.gov.cn/"
UNIT = {"name": "甲市教育局网站", "site_code": "3301000012", "url": HOME, "responsible_unit": "甲市教育局"}


def link_ticket(n: int) -> dict[str, Any]:
    return {"problem_id": f"LJ-{n:04d}A3F9C2", "label": "链接不可用", "indicator": "可用性",
            "url": f"{HOME}xxgk/tzgg/{n}.html", "where": HOME, "message": f"首页链接“政务公开{n}”无法访问（HTTP 404）",
            "evidence": {"status": 404, "link_text": f"政务公开{n}", "resource": "page", "classification": "confirmed",
                         "first_level": True},  # first_level has no Chinese name: left out
            "deadline": "2027-01-15"}


def column_ticket(n: int) -> dict[str, Any]:
    return {"problem_id": f"LM-{n:04d}B7E1D0", "label": "栏目不更新", "indicator": "内容更新",
            "url": f"{HOME}col{n}/", "where": f"通知公告{n}", "message": f"栏目「通知公告{n}」超过6个月未更新",
            "evidence": {"column": f"通知公告{n}", "last_update": "2026-05-01", "days_overdue": 30 + n, "type": "notice"},
            "deadline": "2027-01-15"}


def blank_ticket(n: int) -> dict[str, Any]:
    return {"problem_id": f"LM-{n:04d}C0D2E4", "label": "空白栏目", "indicator": "内容更新", "url": f"{HOME}blank{n}/",
            "where": f"规划计划{n}", "message": f"栏目「规划计划{n}」为空白栏目", "evidence": {"column": f"规划计划{n}"},
            "deadline": "2027-02-01" if n == 1 else "2027-01-15"}  # one problem with its own deadline


def notice_model() -> dict[str, Any]:
    tickets = ([link_ticket(n) for n in range(1, 13)] + [column_ticket(n) for n in range(1, 10)]
               + [blank_ticket(n) for n in range(1, 7)])
    return {"kind": "notice", "doc_number": "甲政网办函〔2026〕12号", "date": "2026-12-04",
            "issuer": "甲市人民政府办公室", "unit": dict(UNIT), "deadline": "2027-01-15",
            "title": "关于甲市教育局网站问题整改的通知", "tickets": tickets, "reply_form": True,
            "contact": {"name": "王明", "phone": "0571-88001234"}}


def recheck_model() -> dict[str, Any]:
    fixed = [link_ticket(n) for n in range(1, 9)]
    remaining = [{**column_ticket(n), "new_message": f"栏目「通知公告{n}」仍未更新",
                  "new_evidence": {"column": f"通知公告{n}", "last_update": "2026-05-01", "days_overdue": 80}}
                 for n in (1, 2)]
    unverified = [{**link_ticket(11), "reason": "复查时页面未能读取"}]
    exempted = [{**blank_ticket(3), "reason": "栏目已按规定撤并，已报备", "category": "临时报备"}]
    return {"kind": "recheck", "date": "2027-01-20", "issuer": "甲市人民政府办公室", "unit": dict(UNIT),
            "run_id": 42, "run_at": "2027-01-18T09:30:00+08:00", "fixed": fixed, "remaining": remaining,
            "unverified": unverified, "exempted": exempted}
