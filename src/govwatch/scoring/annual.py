"""Annual report figures (年度报表, docs/rectification.md §6) from what the store keeps.

Per site: items published in the year (total and per column class) read from the columns of the
site's newest complete full run (each column's list pages, every item dated in the year and not
after the run's inspection day), the messages its 留言 board shows for the year (the run's
interaction facts), 找错/留言 received and answered in the year (``public_reports``), the items of
its 办事服务 columns (办事指南), and the year's runs and verdicts. Every figure names its source;
figures that crawl data cannot give are listed as manual (需人工填报), never as 0.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from govwatch.analysis.columns import columns_of
from govwatch.analysis.columns.classify import COLUMN_TYPE_LABELS
from govwatch.analysis.interaction.collect import column_items, messages
from govwatch.registry import RegistryError, org_by_code, registered_sites, select_sites
from govwatch.registry.fields import LEVEL_LABELS
from govwatch.store.annual_rows import public_report_channels, public_report_counts, stored_column_rows
from govwatch.store.db import Store
from govwatch.store.run_listing import FULL_KINDS, newest_full_runs, run_rows
from govwatch.store.stored_run import StoreRunData

MANUAL = "需人工填报"
# The annual report's figures that crawl data cannot give: (group, label).
MANUAL_FIGURES: tuple[tuple[str, str], ...] = (
    ("访问情况", "独立用户访问总量（个）"), ("访问情况", "网站总访问量（次）"), ("访问情况", "首页浏览量（次）"),
    ("信息发布", "概况类信息更新量（条）"), ("信息发布", "信息公开目录信息更新量（条）"),
    ("专栏专题", "维护数量（个）"), ("专栏专题", "新开设数量（个）"),
    ("解读回应", "解读材料数量（条）"), ("解读回应", "解读产品数量（个）"), ("解读回应", "媒体评论文章数量（篇）"),
    ("解读回应", "回应公众关注热点或重大舆情数量（次）"),
    ("办事服务", "注册用户数（万）"), ("办事服务", "政务服务事项数量（项）"),
    ("办事服务", "可全程在线办理政务服务事项数量（项）"), ("办事服务", "办件量（件）"),
    ("互动交流", "留言平均办理时间（天）"), ("互动交流", "公开答复数量（条）"),
    ("互动交流", "征集调查期数（期）"), ("互动交流", "收到意见数量（条）"), ("互动交流", "公布调查结果期数（期）"),
    ("互动交流", "在线访谈期数（期）"), ("互动交流", "网民留言数量（条）"), ("互动交流", "答复网民提问数量（条）"),
    ("安全防护", "安全检测评估次数（次）"), ("安全防护", "发现问题数量（个）"), ("安全防护", "问题整改数量（个）"),
    ("安全防护", "是否建立安全监测预警机制"), ("安全防护", "是否开展应急演练"), ("安全防护", "是否明确网站安全责任人"),
    ("移动新媒体", "是否有移动新媒体"), ("创新发展", "搜索即服务、多语言版本、无障碍浏览、千人千网等"),
)
CHANNELS = (("message", "留言"), ("zhaocuo", "我为政府网站找错"))


class AnnualError(ValueError):
    """An annual report that cannot be made (unknown org, a year out of range): message in Chinese."""


def _figure(key: str, group: str, label: str, value: int | None, source: str) -> dict[str, Any]:
    """One figure; ``value`` None is a manual figure (需人工填报)."""
    return {"key": key, "group": group, "label": label, "value": value, "manual": value is None, "source": source}


def _in_year(day: date | None, year: int, as_of: date) -> bool:
    return day is not None and day.year == year and day <= as_of


def column_year_items(data: StoreRunData, year: int) -> list[dict[str, Any]]:
    """Per stored column of the run: name, url, type, type_label, items (stored total) and ``in_year``
    (its items dated in ``year``, not after the run's inspection day) with their ``urls``."""
    analysed = {c.url: c for c in columns_of(data)}
    out = []
    for row in stored_column_rows(data.store, data.run_id):
        column = analysed.get(row["url"])
        found = [it for it in column_items(data, column) if _in_year(it.date, year, data.as_of)] if column else []
        keys = sorted({it.url or f"{it.title}|{it.date}" for it in found})
        out.append({**row, "type_label": COLUMN_TYPE_LABELS.get(row["type"], row["type"]), "in_year": len(keys),
                    "keys": keys, "read": column is not None})
    return out


def _item_figures(data: StoreRunData | None, year: int, run_note: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(figures, column sources) of the items published in the year."""
    if data is None:
        return [_figure("items.total", "信息发布", "信息发布总数（条）", None, "无完整的全站检查记录")], []
    columns = column_year_items(data, year)
    if data.as_of.year < year:
        return [_figure("items.total", "信息发布", "信息发布总数（条）", None,
                        f"{run_note} 早于{year}年，无该年度数据")], columns
    total = len({key for c in columns for key in c["keys"]})
    source = f"{run_note}：{len(columns)} 个栏目列表中{year}年发布的信息（按链接去重）"
    figures = [_figure("items.total", "信息发布", "信息发布总数（条）", total, source)]
    by_type: Counter[str] = Counter()
    for c in columns:
        by_type[c["type"]] += c["in_year"]
    for kind in sorted(by_type, key=lambda k: list(COLUMN_TYPE_LABELS).index(k) if k in COLUMN_TYPE_LABELS else 99):
        names = "、".join(c["name"] for c in columns if c["type"] == kind)
        figures.append(_figure(f"items.{kind}", "信息发布", f"其中：{COLUMN_TYPE_LABELS.get(kind, kind)}类栏目（条）",
                               by_type[kind], f"{run_note}：{names}"))
    return figures, columns


def _board_figures(data: StoreRunData | None, year: int, run_note: str) -> list[dict[str, Any]]:
    """The year's messages the site's 留言 board shows, and how many show an answer."""
    if data is None:
        return []
    seen = [m for m in messages(data) if _in_year(m.asked, year, data.as_of)]
    source = f"{run_note}：网站留言栏目页面（留言时间在{year}年）"
    return [_figure("board.asked", "互动交流", "网站留言栏目显示的留言（条）", len(seen), source),
            _figure("board.answered", "互动交流", "其中已答复（条）", sum(1 for m in seen if m.message.answered), source)]


def _report_figures(counts: dict[str, int] | None, channel: str, label: str, imported: bool,
                    year: int) -> list[dict[str, Any]]:
    if not imported:
        note = f"尚未导入{label}数据（govwatch inbox import）"
        return [_figure(f"{channel}.received", "互动交流", f"收到{label}数量（条）", None, note),
                _figure(f"{channel}.answered", "互动交流", f"办结{label}数量（条）", None, note)]
    counts = counts or {"received": 0, "answered": 0}
    return [_figure(f"{channel}.received", "互动交流", f"收到{label}数量（条）", counts["received"],
                    f"{label}登记（public_reports）：收到时间在{year}年"),
            _figure(f"{channel}.answered", "互动交流", f"办结{label}数量（条）", counts["answered"],
                    f"{label}登记（public_reports）：答复时间在{year}年")]


def _run_figures(runs: list[dict[str, Any]], year: int) -> list[dict[str, Any]]:
    year_runs = [r for r in runs if str(r["as_of"]).startswith(str(year)) and r["kind"] in FULL_KINDS]
    done = [r for r in year_runs if r["status"] == "completed"]
    verdicts = Counter(r["verdict"] or "待定" for r in done)
    source = f"{year}年的全站检查运行（编号 {'、'.join(str(r['id']) for r in year_runs) or '无'}）"
    return [_figure("runs.total", "检查情况", "全站检查次数（次）", len(year_runs), source),
            _figure("runs.passed", "检查情况", "其中合格（次）", verdicts["合格"], source),
            _figure("runs.failed", "检查情况", "其中不合格（次）", verdicts["不合格"], source),
            _figure("runs.pending", "检查情况", "其中待定或未完成（次）", len(year_runs) - verdicts["合格"] - verdicts["不合格"],
                    source)]


def _service_figures(columns: list[dict[str, Any]], run_note: str, has_run: bool) -> list[dict[str, Any]]:
    if not has_run:
        return [_figure("services.guides", "办事服务", "办事服务栏目条目数（办事指南，条）", None, "无完整的全站检查记录")]
    service = [c for c in columns if c["type"] == "service"]
    names = "、".join(c["name"] for c in service) or "未发现办事服务栏目"
    return [_figure("services.guides", "办事服务", "办事服务栏目条目数（办事指南，条）",
                    sum(int(c["items"]) for c in service), f"{run_note}：{names}（栏目列出的全部条目）")]


def _sites(store: Store, org_code: str | None) -> list[dict[str, Any]]:
    """The sites of the report: registered 正常 sites of the org (every stored site without a registry)."""
    chosen = select_sites(store, org_code)
    if chosen or org_code is not None or registered_sites(store):
        return [{"id": s.id, "url": s.url, "name": s.name or s.url, "site_code": s.site_code or "",
                 "unit": s.sponsor or s.responsible_unit or s.org_name or "", "level": LEVEL_LABELS.get(s.level or "", ""),
                 "org_code": s.org_code or "", "org_name": " › ".join(s.org_path) or "未登记机构"} for s in chosen]
    out = []
    for site_id in store.site_ids():
        row = store.site(site_id)
        out.append({"id": site_id, "url": row["url"], "name": row["name"] or row["url"], "site_code": row["site_code"] or "",
                    "unit": row.get("sponsor") or "", "level": "", "org_code": "", "org_name": "未登记机构"})
    return out


def site_figures(store: Store, site: dict[str, Any], year: int, run_id: int | None, runs: list[dict[str, Any]],
                 reports: dict[tuple[int, str], dict[str, int]], imported: set[str]) -> dict[str, Any]:
    """The figures of one site (see :func:`annual_figures`)."""
    data = StoreRunData(store, run_id) if run_id is not None else None
    run_note = f"运行 {run_id}（检查日期 {data.as_of.isoformat()}）" if data is not None else ""
    items, columns = _item_figures(data, year, run_note)
    figures = items + _board_figures(data, year, run_note)
    for channel, label in CHANNELS:
        figures += _report_figures(reports.get((site["id"], channel)), channel, label, channel in imported, year)
    figures += _service_figures(columns, run_note, data is not None) + _run_figures(runs, year)
    figures += [_figure(f"manual.{n}", group, label, None, MANUAL) for n, (group, label) in enumerate(MANUAL_FIGURES)]
    return {"site": site, "source_run": ({"id": run_id, "as_of": data.as_of.isoformat()} if data is not None else None),
            "figures": figures,
            "columns": [{k: c[k] for k in ("name", "url", "type", "type_label", "items", "in_year", "read")}
                        for c in columns]}


def _roll_up(sites: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per org (as the sites name it) and in total: sites and the sum of every figure the sites give
    (a figure manual for some site is summed over the others and counted in ``manual_sites``)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in sites:
        groups.setdefault(entry["site"]["org_name"], []).append(entry)
    rows = [(name, members) for name, members in groups.items()]
    if len(groups) != 1:
        rows.append(("合计", sites))
    out = []
    for name, members in rows:
        sums: dict[str, int] = {}
        manual: Counter[str] = Counter()
        for entry in members:
            for f in entry["figures"]:
                if f["key"].startswith("manual."):
                    continue
                if f["value"] is None:
                    manual[f["key"]] += 1
                else:
                    sums[f["key"]] = sums.get(f["key"], 0) + int(f["value"])
        out.append({"org": name, "sites": len(members), "figures": sums, "manual_sites": dict(manual)})
    return out


def annual_figures(store: Store, year: int, org_code: str | None = None) -> dict[str, Any]:
    """The annual report's figures: ``year``, ``org`` (code and name, or None), ``as_of`` (today),
    ``sites`` [{site, source_run, figures [{key, group, label, value (None: 需人工填报), manual,
    source}], columns}], ``orgs`` (the roll-up: org, sites, figures {key: sum}, manual_sites) and
    ``labels`` {key: label} of every figure key."""
    if not 1990 <= year <= 2100:
        raise AnnualError(f"年度 {year} 不在 1990–2100 之间")
    org = None
    if org_code is not None:
        try:
            found = org_by_code(store, org_code)
        except RegistryError:
            raise AnnualError(f"没有机构代码为 {org_code} 的机构（机构来自 govwatch sites import）") from None
        org = {"code": found.code, "name": found.name}
    sites = _sites(store, org_code)
    ids = [s["id"] for s in sites]
    newest = newest_full_runs(store)
    runs: dict[int, list[dict[str, Any]]] = {}
    for run in run_rows(store, site_ids=ids):
        runs.setdefault(run["site_id"], []).append(run)
    reports = public_report_counts(store, ids, year)
    imported = public_report_channels(store)
    entries = [site_figures(store, s, year, newest.get(s["id"]), runs.get(s["id"], []), reports, imported)
               for s in sites]
    labels = {f["key"]: f["label"] for e in entries for f in e["figures"] if not f["key"].startswith("manual.")}
    return {"year": year, "org": org, "as_of": date.today().isoformat(), "sites": entries, "orgs": _roll_up(entries),
            "labels": labels}
