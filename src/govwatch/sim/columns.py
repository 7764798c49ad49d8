"""The columns (栏目) of a simulated site and how many items each holds.

Every site carries the same catalogue, covering every column class of DESIGN.md,
with per-column freshness profiles so that, relative to ``as_of``, some columns
are fresh and some are stale. Item counts are chosen so that the whole site has
about the target number of pages; nothing here lists pages or items.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .rng import mix64, stable_int

MAX_SPAN_DAYS = 7300  # the oldest item of a column is at most ~20 years old
MIN_ITEMS = 2


@dataclass(frozen=True, slots=True)
class ColumnProfile:
    """Static description of one catalogue column."""

    no: int
    name: str
    type: str
    slug: str
    weight: float
    age: tuple[int, int]  # days between as_of and the newest item (range)
    gap: float  # mean days between consecutive items
    on_homepage: bool
    blank: bool = False


CATALOGUE: tuple[ColumnProfile, ...] = (
    ColumnProfile(1, "政务动态", "dynamic", "zwdt", 8.0, (1, 2), 0.8, True),
    ColumnProfile(2, "通知公告", "notice", "tzgg", 4.0, (2, 20), 5.0, True),
    ColumnProfile(3, "政策文件", "policy", "zcwj", 3.0, (190, 400), 15.0, True),
    ColumnProfile(4, "政策解读", "interpretation", "zcjd", 2.0, (15, 90), 20.0, True),
    ColumnProfile(5, "人事信息", "personnel", "rsxx", 1.5, (30, 200), 30.0, True),
    ColumnProfile(6, "规划计划", "plan", "ghjh", 1.0, (380, 700), 60.0, True),
    ColumnProfile(7, "领导信箱", "consult", "ldxx", 3.0, (1, 5), 3.0, True),
    ColumnProfile(8, "调查征集", "survey", "dczj", 1.0, (40, 150), 40.0, False),
    ColumnProfile(9, "在线访谈", "interview", "zxft", 1.0, (400, 600), 60.0, False),
    ColumnProfile(10, "办事指南", "service", "bszn", 2.0, (10, 60), 25.0, False),
    ColumnProfile(11, "数据发布", "data", "sjfb", 1.5, (20, 60), 30.0, True),
    ColumnProfile(12, "部门动态", "dynamic", "bmdt", 4.0, (20, 45), 2.0, True),
    ColumnProfile(13, "专题专栏", "other", "ztzl", 0.0, (0, 0), 0.0, False, blank=True),
)

# Date forms of TRS list pages (docs/sim-families.md), chosen per column.
TRS_DATE_STYLES: tuple[str, ...] = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of one site: profile plus the numbers decided for this site."""

    profile: ColumnProfile
    items: int
    per_page: int
    list_pages: int  # HTML list pages (jcms: 1; further records via dataproxy groups)
    newest_age: int
    gap: float
    as_of: date
    key: str  # seed and site id, mixed into every per-item draw
    base: int  # stable_int(key, column number): per-item draws mix the index into it

    def item_seed(self, index: int, salt: int) -> int:
        """A 64-bit value for item ``index`` and purpose ``salt`` (fast: no hashing of text)."""
        return mix64(self.base ^ mix64(index * 4 + salt))

    @property
    def id(self) -> str:
        return f"c{self.profile.no}"

    @property
    def no(self) -> int:
        return self.profile.no

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def type(self) -> str:
        return self.profile.type

    @property
    def slug(self) -> str:
        return self.profile.slug

    @property
    def blank(self) -> bool:
        return self.profile.blank

    @property
    def jcms_id(self) -> int:
        """Numeric column id of the JCMS family (``col<ID>``, ``columnid=``)."""
        return 10 + self.profile.no

    @property
    def unit_id(self) -> int:
        """JCMS ``unitid`` of the column's list unit."""
        return 8870 + self.profile.no

    def item_when(self, index: int) -> datetime:
        """Publication time of item ``index`` (0 = newest); never increases with ``index``.

        The item sits at a continuous age ``newest_age + (index + u) * gap`` days
        (``u`` in [0, 1) from the seed): the whole part is the day, the fraction
        the time of day (08:00-18:59, earlier for older), so order holds within a day.
        """
        age = self.newest_age + (index + self.item_seed(index, 1) / 2.0**64) * self.gap
        days = math.floor(age)
        minutes = 8 * 60 + int((1.0 - (age - days)) * 659)
        day = self.as_of - timedelta(days=days)
        return datetime.combine(day, time(minutes // 60, minutes % 60))

    def newest_date(self) -> date | None:
        """Date of the newest item, ``None`` for an empty column."""
        return self.item_when(0).date() if self.items else None

    def docid(self, index: int) -> int:
        """Document id of item ``index``: newer items have larger ids."""
        return self.profile.no * 1_000_000 + (self.items - index)

    def index_of(self, docid: int) -> int | None:
        """Inverse of :meth:`docid`; ``None`` when the id names no item of this column."""
        if docid // 1_000_000 != self.profile.no:
            return None
        index = self.items - docid % 1_000_000
        return index if 0 <= index < self.items else None


def _pages(items: int, per_page: int, paged: bool) -> int:
    return items + (max(1, math.ceil(items / per_page)) if paged else 1)


def allocate(key: str, target: int, per_page: int, paged: bool, as_of: date) -> list[Column]:
    """Columns whose items plus list pages add up to about ``target`` pages.

    ``paged`` is False for the JCMS family, whose later records come from the
    dataproxy endpoint instead of further HTML list pages.
    """
    profiles = CATALOGUE
    total_weight = sum(p.weight for p in profiles)

    def counts(scale: float) -> list[int]:
        return [0 if p.blank else max(MIN_ITEMS, int(p.weight / total_weight * scale)) for p in profiles]

    def size(cs: list[int]) -> int:
        return sum(_pages(c, per_page, paged) for c in cs)

    lo, hi = 0.0, float(max(target, 1))
    for _ in range(60):  # bisection on the scale; bounded
        mid = (lo + hi) / 2
        if size(counts(mid)) <= target:
            lo = mid
        else:
            hi = mid
    items = counts(lo)
    for _ in range(len(profiles) * per_page + 2):  # top up the first column; bounded
        trial = items.copy()
        trial[0] += 1
        if size(trial) > target:
            break
        items = trial
    columns = []
    for profile, count in zip(profiles, items):
        lo_age, hi_age = profile.age
        age = lo_age + stable_int(key, profile.no, "age") % (hi_age - lo_age + 1)
        gap = min(profile.gap, MAX_SPAN_DAYS / count) if count else 0.0
        pages = 1 if (profile.blank or not paged) else max(1, math.ceil(count / per_page))
        columns.append(Column(profile, count, per_page, pages, age, gap, as_of, key, stable_int(key, profile.no)))
    return columns
