"""A registry file (网站基本信息表) for the simulated portfolio, as an office would keep it.

Rows use the registry's Chinese column names (docs/registry.md), so the demo
imports the simulated sites exactly as a user imports real ones.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from govwatch.sim.footers import portfolio_region
from govwatch.sim.options import SimOptions

HEADERS = ("网站名称", "首页网址", "主办单位", "网站标识码", "ICP备案号", "公安机关备案号", "网站类型", "级别",
           "所属机构代码", "所属机构名称", "上级机构代码", "负责单位", "联系方式", "运行状态", "办事服务")
# Departments whose simulated sites offer no 办事服务 (scored out of 75 × 4/3 by national-2019).
NO_SERVICES = frozenset({"jyj"})


def registry_rows(options: SimOptions, manifest: dict[str, Any]) -> list[dict[str, str]]:
    """One registry row per simulated site (the hostile test site is not a government site)."""
    _, _, city, city_div = portfolio_region(options.seed)
    city_org = (city_div, f"{city}市人民政府", "")  # the top of the simulated hierarchy
    rows = []
    for spec in options.portfolio:
        site = manifest["sites"][spec.id]
        if spec.kind == "county":
            org = (site["site_code"][:6], site["sponsor"].removesuffix("办公室"), city_org[0])
            role, level = "本级门户", "县级"
        elif spec.kind == "department":
            org, role, level = city_org, "部门", "市级"
        else:
            org, role, level = city_org, "本级门户", "市级"
        rows.append({
            "网站名称": site["name"], "首页网址": site["homepage"], "主办单位": site["sponsor"],
            "网站标识码": site["site_code"], "ICP备案号": site["icp"], "公安机关备案号": _registry_police_record(site["police_record"]),
            "网站类型": role, "级别": level, "所属机构代码": org[0], "所属机构名称": org[1], "上级机构代码": org[2],
            "负责单位": site["sponsor"], "联系方式": "", "运行状态": "正常",
            "办事服务": "否" if spec.dept in NO_SERVICES else "是",
        })
    return rows


def write_registry_csv(options: SimOptions, manifest: dict[str, Any], path: Path) -> Path:
    """Write the simulated portfolio's registry file (UTF-8 CSV with the Chinese headers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerows(registry_rows(options, manifest))
    return path


def _registry_police_record(value: str | None) -> str | None:
    """The 公安机关备案号 as a registry records it (``浙公网安备 33010002497778号``), whatever wording the
    site's footer uses (``浙公网安备案号：33010002497778`` in some variations)."""
    found = re.search(r"([\u4e00-\u9fff])公网安备\D*?(\d{6,})", value or "")
    return f"{found.group(1)}公网安备 {found.group(2)}号" if found else value
