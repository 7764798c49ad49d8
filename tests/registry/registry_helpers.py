"""A small province for registry tests, and writers of registry files (openpyxl / csv)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select

from govwatch.store import tables as t

HEADERS = ["网站名称", "首页网址", "主办单位", "网站标识码", "ICP备案号", "公安机关备案号", "网站类型", "级别",
           "所属机构代码", "所属机构名称", "上级机构代码", "负责单位", "联系方式", "运行状态", "办事服务"]
ENGLISH = ["name", "url", "sponsor", "site_code", "icp", "police_record", "role", "level", "org_code", "org_name",
           "parent_code", "responsible_unit", "contact", "status", "has_services"]


def _row(name: str, url: str, code: str, role: str, level: str, org: str, org_name: str, parent: str,
         status: str = "正常", services: str = "是", icp: str = "", police: str = "") -> list[str]:
    return [name, url, name, code, icp, police, role, level, org, org_name, parent, "", "0771-1234567", status,
            services]


# 宁川省 → 宁川市 (→ 青山县 → 石门镇, 白河县), 东江市; departments and one subordinate unit.
PROVINCE: list[list[str]] = [
    _row("宁川省人民政府", "http://www.nx.gov.cn/", "4500000001", "本级门户", "省级", "450000", "宁川省", "",
         icp="桂ICP备05070218号", police="桂公网安备45000002000001号"),
    _row("宁川省发展和改革委员会", "http://fgw.nx.gov.cn/", "4500000101", "部门", "省级", "450000-fgw",
         "宁川省发展和改革委员会", "450000"),
    _row("宁川市人民政府", "http://www.nc.gov.cn/", "4501000001", "本级门户", "市级", "450100", "宁川市", "450000",
         icp="桂ICP备05070219号-2"),
    _row("宁川市发展和改革委员会", "http://www.nc.gov.cn/fgw/", "4501000101", "部门", "市级", "450100-fgw",
         "宁川市发展和改革委员会", "450100", services="否"),
    _row("宁川市价格认证中心", "http://jgrz.nc.gov.cn/", "4501000102", "下属单位", "市级", "450100-fgw",
         "宁川市发展和改革委员会", "450100"),
    _row("青山县人民政府", "http://www.qs.gov.cn/", "4501210001", "本级门户", "县级", "450121", "青山县", "450100"),
    _row("青山县教育局", "http://jyj.qs.gov.cn/", "4501210101", "部门", "县级", "450121-jyj", "青山县教育局", "450121",
         status="例外"),
    _row("石门镇人民政府", "http://www.qs.gov.cn/smz/", "4501211001", "本级门户", "乡镇", "450121101", "石门镇",
         "450121"),
    _row("白河县人民政府", "http://www.bh.gov.cn/", "4501220001", "本级门户", "县级", "450122", "白河县", "450100",
         status="关停"),
    _row("东江市人民政府", "http://www.dj.gov.cn/", "4502000001", "本级门户", "市级", "450200", "东江市", "450000"),
]


def write_xlsx(path: Path, rows: list[list[Any]], headers: list[str] | None = None,
               above: list[list[Any]] | None = None) -> Path:
    """A workbook whose first sheet holds ``above`` (title rows), the header row, then ``rows``."""
    wb = Workbook()
    ws = wb.active
    ws.title = "网站"
    for extra in above or []:
        ws.append(extra)
    ws.append(headers or HEADERS)
    for row in rows:
        ws.append(row)
    wb.create_sheet("其他").append(["not", "read"])
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list[Any]], headers: list[str] | None = None, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers or HEADERS)
        writer.writerows(rows)
    return path


def counts(store: Any) -> tuple[int, int, int]:
    """(sites, registered sites, orgs) in the store."""
    with store.engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(t.sites)).scalar_one(),
                conn.execute(select(func.count()).select_from(t.sites).where(t.sites.c.registered.is_(True)))
                .scalar_one(),
                conn.execute(select(func.count()).select_from(t.orgs)).scalar_one())


def dump(store: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every sites and orgs row (to compare a store before and after)."""
    with store.engine.connect() as conn:
        return ([dict(r) for r in conn.execute(select(t.sites).order_by(t.sites.c.id)).mappings()],
                [dict(r) for r in conn.execute(select(t.orgs).order_by(t.orgs.c.id)).mappings()])


def with_cell(rows: list[list[str]], index: int, header: str, value: Any) -> list[list[Any]]:
    """A copy of ``rows`` with one cell (row ``index``, column ``header``) replaced."""
    copy = [list(r) for r in rows]
    copy[index][HEADERS.index(header)] = value
    return copy
