"""临时报备 (filings): a window of days in which a site's findings are suppressed.

A filing covers ``starts`` to ``ends`` inclusive (YYYY-MM-DD, Asia/Shanghai days) and
either every finding kind (``kinds`` null) or the listed kinds. The rules engine asks
:func:`active_filings` for the filings of a site on the inspection day.

A filing can be edited (:func:`edit_filing`) and withdrawn (:func:`withdraw_filing`: the row is
deleted after its full content is written into the audit trail); every change is an
``audit_events`` row of subject ``filing`` (:func:`filing_history`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from govwatch.core.urls import normalize_url
from govwatch.registry.errors import RegistryError
from govwatch.store.db import Store, now_iso
from govwatch.store.registry_rows import (
    delete_filing,
    filing_row,
    filing_rows,
    insert_filing,
    site_id_of,
    update_filing,
)
from govwatch.store.ticket_rows import audit_trail

__all__ = ["parse_day", "parse_kinds", "add_filing", "list_filings", "active_filings", "site_by_url", "edit_filing",
           "withdraw_filing", "filing_history"]

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_KIND = re.compile(r"[a-z][a-z0-9_]*")


def parse_day(text: str, what: str = "日期") -> date:
    """A YYYY-MM-DD day; :class:`RegistryError` names ``what`` when it is not one."""
    value = text.strip() if isinstance(text, str) else ""
    if _DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise RegistryError(f"{what}须为 YYYY-MM-DD 格式的日期，收到 {text!r}")


def parse_kinds(text: str | None) -> list[str] | None:
    """``k1,k2`` → ``['k1', 'k2']`` (finding kinds such as ``stale_column``); ``None``/empty → all kinds."""
    if text is None or not text.strip():
        return None
    kinds: list[str] = []
    for part in text.split(","):
        kind = part.strip()
        if not _KIND.fullmatch(kind):
            raise RegistryError(f"--kinds：{kind!r} 不是问题类型（问题类型为用 _ 连接的小写英文词，"
                                "如 stale_column,broken_link）")
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def site_by_url(store: Store, url: str) -> tuple[int, str]:
    """(id, normal URL) of the site whose homepage is ``url``; :class:`RegistryError` when not in the store."""
    norm = normalize_url(url) if isinstance(url, str) else None
    if norm is None:
        raise RegistryError(f"不是可用的 http(s) 网址：{url!r}")
    site_id = site_id_of(store, norm)
    if site_id is None:
        raise RegistryError(f"系统中没有首页为 {norm} 的网站：请先登记（govwatch sites import，或 管理 → 网站登记），"
                            "或先检查一次该网站")
    return site_id, norm


def add_filing(store: Store, site_url: str, starts: date | str, ends: date | str, reason: str,
               kinds: list[str] | None = None, *, actor: str | None = None) -> dict[str, Any]:
    """Store a filing for the site with homepage ``site_url``; the stored filing as a dict."""
    start = starts if isinstance(starts, date) else parse_day(starts, "开始日期（--from）")
    end = ends if isinstance(ends, date) else parse_day(ends, "结束日期（--to）")
    if end < start:
        raise RegistryError(f"结束日期 {end.isoformat()} 早于开始日期 {start.isoformat()}")
    if not reason or not reason.strip():
        raise RegistryError("--reason 须写明报备事由")
    if kinds is not None:
        kinds = parse_kinds(",".join(kinds))
    site_id, _ = site_by_url(store, site_url)
    values = {"site_id": site_id, "starts": start.isoformat(), "ends": end.isoformat(), "reason": reason.strip(),
              "kinds": kinds, "created_at": now_iso()}
    return {"id": insert_filing(store, values, actor=actor), **values}


def list_filings(store: Store, site_url: str | None = None) -> list[dict[str, Any]]:
    """Every filing (of one site when ``site_url`` is given), earliest window first."""
    if site_url is None:
        return filing_rows(store)
    site_id, _ = site_by_url(store, site_url)
    return filing_rows(store, site_id=site_id)


def active_filings(store: Store, site_id: int, day: date) -> list[dict[str, Any]]:
    """The site's filings whose window contains ``day`` (both ends inclusive).

    Each is a dict: id, site_id, starts, ends, reason, kinds (list or None = all kinds),
    created_at, site_url, site_name.
    """
    return filing_rows(store, site_id=site_id, day=day.isoformat())


def _filing(store: Store, filing_id: int) -> dict[str, Any]:
    row = filing_row(store, filing_id)
    if row is None:
        raise RegistryError(f"没有编号为 {filing_id} 的临时报备（见 govwatch filing list）")
    return row


def _why(note: str | None, what: str) -> str:
    if not note or not note.strip():
        raise RegistryError(f"{what}须说明原因")
    return note.strip()


def edit_filing(store: Store, filing_id: int, *, starts: date | str | None = None, ends: date | str | None = None,
                reason: str | None = None, kinds: list[str] | None = None, all_kinds: bool = False,
                actor: str | None, note: str) -> dict[str, Any]:
    """Change a filing's window, 事由 or kinds (``all_kinds``: every kind); ``note`` says why. The
    audit event (subject ``filing``) keeps the values before and after. Returns the row as it is now."""
    row = _filing(store, filing_id)
    why = _why(note, "修改临时报备")
    if kinds is not None and all_kinds:
        raise RegistryError("--kinds 与 --all-kinds 只能给出一个")
    changes: dict[str, Any] = {}
    if starts is not None:
        changes["starts"] = (starts if isinstance(starts, date) else parse_day(starts, "开始日期（--from）")).isoformat()
    if ends is not None:
        changes["ends"] = (ends if isinstance(ends, date) else parse_day(ends, "结束日期（--to）")).isoformat()
    if reason is not None:
        if not reason.strip():
            raise RegistryError("报备事由（--reason）不能为空")
        changes["reason"] = reason.strip()
    if kinds is not None:
        changes["kinds"] = parse_kinds(",".join(kinds))
    if all_kinds:
        changes["kinds"] = None
    changes = {k: v for k, v in changes.items() if v != row[k]}
    if not changes:
        raise RegistryError("没有要修改的内容：--from、--to、--reason、--kinds、--all-kinds 至少给出一项与原值不同的值")
    start, end = changes.get("starts", row["starts"]), changes.get("ends", row["ends"])
    if end < start:
        raise RegistryError(f"结束日期 {end} 早于开始日期 {start}")
    return update_filing(store, filing_id, changes, actor=actor, note=why)


def withdraw_filing(store: Store, filing_id: int, *, reason: str, actor: str | None) -> dict[str, Any]:
    """Withdraw a filing: it no longer suppresses anything. The row is deleted after its full content
    is written into the ``withdraw`` audit event (:func:`filing_history` still shows it). Returns the
    row as it was."""
    _filing(store, filing_id)
    return delete_filing(store, filing_id, actor=actor, note=_why(reason, "撤销临时报备"))


def filing_history(store: Store, filing_id: int) -> list[dict[str, Any]]:
    """The audit trail of a filing (add, edit, withdraw), oldest first; kept after a withdrawal."""
    events = audit_trail(store, "filing", filing_id)
    if not events and filing_row(store, filing_id) is None:
        raise RegistryError(f"没有编号为 {filing_id} 的临时报备（见 govwatch filing list）")
    return events
