"""抽查 (spot checks): a reproducible draw of registered sites, their inspections, the results.

Seed 001: 每季度至少开展一次巡查抽检，抽查比例不得低于30%. The population of a draw is the
registered sites with status 正常 under an org (and the orgs below it), per level, sorted by
id; the sample of a level is ``random.Random(f"{seed}:{level}").sample(population, k)`` with
``k = ⌈ratio·n⌉``, at least ``minimum`` and at most ``n``. The draw is stored with its population
and seed, so :func:`spot_check` re-derives the sample and says whether it matches what is stored
(docs/rectification.md §4).
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import Any

from govwatch.registry import RegistryError, select_sites
from govwatch.registry.fields import LEVEL_LABELS
from govwatch.store.db import Store
from govwatch.store.spot_check_rows import (
    drawn_site_rows,
    insert_spot_check,
    run_verdict_rows,
    set_drawn_run,
    spot_check_row,
)

SEED_001_FLOOR = 0.3  # 抽查比例不得低于30%
LEVELS = ("province", "city", "county", "township", "other")
NOT_INSPECTED = "未检查"
PENDING = "待定"
MAIN_PROBLEMS = 3  # indicators named in 主要问题, after any triggered veto


class SpotCheckError(ValueError):
    """A draw that cannot be made or found (the message says why, in Chinese)."""


def level_label(level: str) -> str:
    """省级, 市级, 县级, 乡镇 or 其他."""
    return LEVEL_LABELS.get(level, "其他")


def sample_size(ratio: float, n: int, minimum: int) -> int:
    """⌈ratio·n⌉, at least ``minimum``, at most ``n`` (exact: 0.3 × 10 is 3, not 4)."""
    wanted = math.ceil(Fraction(str(ratio)) * n)
    return min(n, max(minimum, wanted))


def draw_sample(population: list[int], ratio: float, minimum: int, seed: int, level: str) -> list[int]:
    """The drawn ids of one level, sorted: a seeded sample of the sorted population."""
    ordered = sorted(population)
    chosen = random.Random(f"{seed}:{level}").sample(ordered, sample_size(ratio, len(ordered), minimum))
    return sorted(chosen)


def low_ratio_levels(ratios: dict[str, float]) -> list[str]:
    """The levels whose ratio is below seed 001's 30% floor (allowed, but to be warned about)."""
    return [level for level, ratio in ratios.items() if ratio < SEED_001_FLOOR]


def check_ratios(ratios: dict[str, float], minimum: int) -> None:
    """Raise :class:`SpotCheckError` for an unknown level, a ratio outside 0–1 or a negative minimum."""
    if not ratios:
        raise SpotCheckError("未给出抽查比例（例如 province=1,city=0.3,county=0.3）")
    for level, ratio in ratios.items():
        if level not in LEVELS:
            raise SpotCheckError(f"未知的网站级别「{level}」（可选：{'、'.join(LEVELS)}）")
        if not 0 <= ratio <= 1:
            raise SpotCheckError(f"{level} 的抽查比例 {ratio:g} 不在 0 到 1 之间")
    if minimum < 0:
        raise SpotCheckError(f"每级最少抽查数 {minimum} 不能为负数")


def draw_spot_check(store: Store, *, org_code: str | None, ratios: dict[str, float], minimum: int = 1,
                    seed: int, period: str, name: str, actor: str | None) -> int:
    """Draw and store a spot check of the org's sites (all registered sites when ``org_code`` is
    None); returns its id. Levels not named in ``ratios`` are not drawn."""
    check_ratios(ratios, minimum)
    try:
        sites = select_sites(store, org_code)
    except RegistryError:
        raise SpotCheckError(f"没有机构代码为 {org_code} 的机构（机构来自 govwatch sites import）") from None
    population: dict[str, list[int]] = {level: [] for level in ratios}
    for site in sites:
        level = site.level or "other"
        if level in population:
            population[level].append(site.id)
    population = {level: sorted(ids) for level, ids in population.items()}
    drawn = [(site_id, level) for level, ids in population.items()
             for site_id in draw_sample(ids, ratios[level], minimum, seed, level)]
    spec = {"org_code": org_code, "ratios": dict(ratios), "minimum": minimum,
            "below_floor": low_ratio_levels(ratios)}
    return insert_spot_check(store, {"name": name, "period": period, "seed": seed, "spec": spec,
                                     "population": population}, drawn, actor)


def _stored(store: Store, spot_id: int) -> dict[str, Any]:
    row = spot_check_row(store, spot_id)
    if row is None:
        raise SpotCheckError(f"没有编号为 {spot_id} 的抽查")
    return row


def spot_check(store: Store, spot_id: int) -> dict[str, Any]:
    """The stored draw: id, name, period, seed, spec, population, created_at, created_by; ``drawn``
    {level: [site ids]}, ``sites`` (each drawn site's row with its ``run_id``), ``runs`` {site id:
    run id} of the inspected ones, and ``redraw_matches``: whether drawing again from the stored
    population and seed gives the stored sample."""
    row = _stored(store, spot_id)
    sites = drawn_site_rows(store, spot_id)
    drawn: dict[str, list[int]] = {level: [] for level in row["population"]}
    for site in sites:
        drawn.setdefault(site["level"], []).append(site["site_id"])
    spec = row["spec"]
    redrawn = {level: draw_sample(ids, spec["ratios"][level], spec["minimum"], row["seed"], level)
               for level, ids in row["population"].items()}
    return {**row, "drawn": drawn, "sites": sites,
            "runs": {s["site_id"]: s["run_id"] for s in sites if s["run_id"] is not None},
            "redraw_matches": redrawn == {level: sorted(ids) for level, ids in drawn.items()}}


def record_run(store: Store, spot_id: int, site_id: int, run_id: int, *, actor: str | None = None) -> None:
    """Record the run that inspected a drawn site."""
    _stored(store, spot_id)
    if not set_drawn_run(store, spot_id, site_id, run_id, actor):
        raise SpotCheckError(f"网站 {site_id} 不在抽查 {spot_id} 的抽中名单内")


def main_problems(sheet: dict[str, Any]) -> str:
    """主要问题 of a score sheet: triggered vetoes, then the indicators that deducted most
    (at most :data:`MAIN_PROBLEMS`), e.g. ``单项否决：站点无法访问；栏目更新（3处，扣6分）``."""
    parts = [f"单项否决：{v['name']}" for v in sheet.get("vetoes") or [] if v.get("triggered")]
    deducted = [i for i in sheet.get("indicators") or []
                if i.get("kind", "deduction") == "deduction" and (i.get("points") or 0) > 0]
    deducted.sort(key=lambda i: (-float(i["points"]), -len(i["findings"])))
    for ind in deducted[:MAIN_PROBLEMS]:
        scored = sum(1 for f in ind["findings"] if f.get("points"))
        parts.append(f"{ind['name']}（{scored}处，扣{float(ind['points']):g}分）")
    return "；".join(parts) or "未发现扣分问题"


def _outcome(run: dict[str, Any] | None) -> tuple[float | None, str, str]:
    """(score, verdict, main problems) of a drawn site's run."""
    if run is None:
        return None, NOT_INSPECTED, ""
    if run["status"] != "completed":
        return None, PENDING, f"检查未完成（{run['status']}）"
    sheet = run["sheet"]
    if sheet is None:
        return None, PENDING, "未评分"
    score = sheet.get("score")
    return (float(score) if score is not None else None, sheet.get("verdict") or PENDING, main_problems(sheet))


def spot_check_results(store: Store, spot_id: int) -> list[dict[str, Any]]:
    """One row per drawn site, in level order (province → township) and then by site id: unit
    (主办单位, else 负责单位, else the org), site_name, url, site_code, level (省级…), score (None
    when not scored), verdict (合格/不合格/待定/未检查), problems (主要问题) and run_id."""
    _stored(store, spot_id)
    sites = drawn_site_rows(store, spot_id)
    runs = run_verdict_rows(store, [s["run_id"] for s in sites if s["run_id"] is not None])
    sites.sort(key=lambda s: (LEVELS.index(s["level"]) if s["level"] in LEVELS else len(LEVELS), s["site_id"]))
    out = []
    for site in sites:
        score, verdict, problems = _outcome(runs.get(site["run_id"]) if site["run_id"] is not None else None)
        out.append({"site_id": site["site_id"], "unit": site["sponsor"] or site["responsible_unit"] or site["org_name"] or "",
                    "site_name": site["name"] or site["url"], "url": site["url"], "site_code": site["site_code"] or "",
                    "level": level_label(site["level"]), "score": score, "verdict": verdict,
                    "problems": problems, "run_id": site["run_id"]})
    return out


def draw_summary(spot: dict[str, Any]) -> list[dict[str, Any]]:
    """Per level of a draw (:func:`spot_check`): level label, ratio, population size, drawn count."""
    spec = spot["spec"]
    return [{"level": level_label(level), "ratio": spec["ratios"][level], "population": len(ids),
             "drawn": len(spot["drawn"].get(level, []))} for level, ids in spot["population"].items()]


def bulletin_extra(store: Store, spot_id: int) -> dict[str, Any]:
    """The bulletin's ``extras["spot_check"]`` (``report.bulletin.spot_check_texts``): period, seed,
    population (sites in the drawn levels), sampled (drawn sites) and sites [{name, url, level,
    verdict, score, problems}]."""
    spot = spot_check(store, spot_id)
    results = spot_check_results(store, spot_id)
    return {"id": spot["id"], "period": spot["period"], "seed": spot["seed"],
            "population": sum(len(ids) for ids in spot["population"].values()), "sampled": len(results),
            "sites": [{"name": r["site_name"], "url": r["url"], "level": r["level"], "verdict": r["verdict"],
                       "score": r["score"], "problems": r["problems"]} for r in results]}
