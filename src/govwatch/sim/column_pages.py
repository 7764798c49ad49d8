"""The columns (栏目) of a simulated site and how many items each holds.

Every site carries the same catalogue, covering every column class of DESIGN.md,
with per-column freshness profiles so that, relative to ``as_of``, some columns
are fresh and some are stale, with two columns exactly on the 2-week boundary
(14 days: fresh; 15 days: stale) and every other column's newest item at least
2 days away from any window boundary (14, 183, 365 days). Item counts are chosen
so that the whole site has about the target number of pages; nothing here lists
pages or items.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from govwatch.sim.rng import mix64, stable_int

MAX_SPAN_DAYS = 7300  # the oldest item of a column is at most ~20 years old
MIN_ITEMS = 1  # every non-blank column has an item, even on a 50-page site
FUTURE_DAYS = 40  # the planted future-dated (forged) item lies this many days after the later of as_of and today
FUTURE_MIN_ITEMS = 4  # a column with a future item keeps recent items of its own
LATER_KEEP = 2  # a column with later items keeps at least this many items dated on or before as_of

# Name keywords -> column type (DESIGN.md vocabulary), first match wins: 解读 before 政策
# (政策解读 is interpretation), 规范性文件 before 文件. A column whose name holds none of these
# is typed by its ColumnType meta tag (``type_source`` "meta").
NAME_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("解读", "interpretation"), ("规范性文件", "policy"),
    ("要闻", "dynamic"), ("动态", "dynamic"), ("新闻", "dynamic"),
    ("通知", "notice"), ("公告", "notice"), ("公示", "notice"),
    ("政策", "policy"), ("文件", "policy"),
    ("人事", "personnel"), ("任免", "personnel"),
    ("规划", "plan"), ("计划", "plan"),
    ("信箱", "consult"), ("咨询", "consult"), ("留言", "consult"),
    ("征集", "survey"), ("调查", "survey"),
    ("访谈", "interview"),
    ("办事", "service"), ("服务", "service"), ("指南", "service"),
    ("数据", "data"), ("统计", "data"),
)
# ColumnType meta content per type; each maps back to its type through NAME_KEYWORDS ("其他": none -> other).
TYPE_LABELS: dict[str, str] = {
    "dynamic": "工作动态", "notice": "通知公告", "policy": "政策文件", "interpretation": "政策解读",
    "personnel": "人事信息", "plan": "规划计划", "consult": "政务咨询", "survey": "调查征集",
    "interview": "在线访谈", "service": "办事服务", "data": "数据发布", "other": "其他",
}


def type_from_text(text: str) -> str | None:
    """The column type a name (or ColumnType value) reveals by keyword, or ``None``."""
    for word, ctype in NAME_KEYWORDS:
        if word in text:
            return ctype
    return None


@dataclass(frozen=True, slots=True)
class ColumnProfile:
    """Static description of one catalogue column.

    ``nav``: linked from the navigation; ``on_homepage``: has a homepage block (with
    a 更多 link); ``parent``: number of the parent column (a sub-column is linked only
    from its parent's list pages); ``via``: reached only through a channel page or the site
    map (``govwatch.sim.variation``); ``undated``: no item shows a date; ``js``: the list
    is filled by an inline script from a JSON endpoint; ``future``: the column's first
    item is dated ``FUTURE_DAYS`` after the later of as_of and the real today (a forged date);
    ``later``: when the crawl day (``forged_after``) lies after as_of, this many newest items are
    dated between the two (after the inspection day, not after the crawl day: construction variation).
    """

    no: int
    name: str
    type: str
    slug: str
    weight: float
    age: tuple[int, int]  # days between as_of and the newest (dated, not future) item (range)
    gap: float  # mean days between consecutive items
    on_homepage: bool
    blank: bool = False
    nav: bool = True
    parent: int | None = None
    undated: bool = False
    js: bool = False
    future: bool = False
    via: str = ""  # construction variation: "channel" (under a channel page) | "sitemap" (网站地图 only) | ""
    later: int = 0  # construction variation: items dated after as_of, not after the crawl day (if later)
    page_size: int | None = None  # construction variation: entries per list page (None: the family's)

    @property
    def type_source(self) -> str:
        """"name" when the name reveals the type by keyword, else "meta" (the ColumnType tag)."""
        return "name" if type_from_text(self.name) is not None else "meta"

    @property
    def meta_type(self) -> str:
        """Content of the ColumnType meta tag."""
        return TYPE_LABELS[self.type]


P = ColumnProfile
CATALOGUE: tuple[ColumnProfile, ...] = (
    P(1, "政务动态", "dynamic", "zwdt", 8.0, (1, 2), 0.8, True, future=True),
    P(2, "通知公告", "notice", "tzgg", 4.0, (2, 12), 5.0, True),
    P(3, "政策文件", "policy", "zcwj", 3.0, (190, 360), 15.0, True),
    P(4, "政策解读", "interpretation", "zcjd", 2.0, (20, 90), 20.0, True),
    P(5, "人事信息", "personnel", "rsxx", 1.5, (30, 170), 30.0, True),
    P(6, "规划计划", "plan", "ghjh", 1.0, (380, 700), 60.0, True),
    P(7, "领导信箱", "consult", "ldxx", 3.0, (1, 5), 12.0, True),  # a quiet mailbox: messages span months (sim.interaction)
    P(8, "调查征集", "survey", "dczj", 1.0, (40, 150), 40.0, False),
    P(9, "在线访谈", "interview", "zxft", 1.0, (400, 600), 60.0, False),
    P(10, "办事指南", "service", "bszn", 2.0, (20, 60), 25.0, False),
    P(11, "数据发布", "data", "sjfb", 1.5, (20, 60), 30.0, True),
    P(12, "部门动态", "dynamic", "bmdt", 4.0, (20, 45), 2.0, True),
    P(13, "专题专栏", "other", "ztzl", 0.0, (0, 0), 0.0, False, blank=True),
    P(14, "区县动态", "dynamic", "qxdt", 2.0, (14, 14), 1.5, True, nav=False),  # exactly 14 days: fresh
    P(15, "图片新闻", "dynamic", "tpxw", 1.5, (15, 15), 3.0, True, nav=False),  # exactly 15 days: stale
    P(16, "工作信息", "dynamic", "gzxx", 1.5, (3, 8), 2.0, True, nav=False),  # type only from ColumnType
    P(17, "机构职能", "other", "jgzn", 0.6, (200, 300), 90.0, False, undated=True),
    P(18, "公示公告", "notice", "gsgg", 1.0, (20, 100), 10.0, False, js=True),
    P(19, "规范性文件", "policy", "gfxwj", 1.0, (200, 330), 20.0, False, nav=False, parent=3),
)
del P

# Date forms of TRS list pages (docs/sim-families.md), chosen per column.
TRS_DATE_STYLES: tuple[str, ...] = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of one site: profile plus the numbers decided for this site."""

    profile: ColumnProfile
    items: int  # all items: dated, undated and the future one
    per_page: int
    list_pages: int  # HTML list pages (jcms and script-filled: 1; further records via dataproxy / JSON)
    newest_age: int
    gap: float
    as_of: date
    key: str  # seed and site id, mixed into every per-item draw
    base: int  # stable_int(key, column number): per-item draws mix the index into it
    folder: str = ""  # URL folder of the column (sub-columns: "<parent slug>/<slug>")
    forged_after: date | None = None  # the future item lies FUTURE_DAYS after this day (None: as_of)

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
    def path(self) -> str:
        """The column's folder in URLs (TRS, legacy): its slug, under the parent's for a sub-column."""
        return self.folder or self.profile.slug

    @property
    def blank(self) -> bool:
        return self.profile.blank

    @property
    def undated(self) -> bool:
        """No item of this column shows a date (list or article)."""
        return self.profile.undated

    @property
    def js(self) -> bool:
        """The list is filled by an inline script from the column's JSON endpoint."""
        return self.profile.js

    @property
    def parent(self) -> int | None:
        return self.profile.parent

    @property
    def on_homepage(self) -> bool:
        return self.profile.on_homepage and not self.blank

    @property
    def future_index(self) -> int | None:
        """Index of the item dated after as_of (always the first), or ``None``."""
        return 0 if self.profile.future and self.items else None

    @property
    def later_count(self) -> int:
        """Items dated after as_of but not after the crawl day (they follow the future item, if any):
        none unless the crawl day lies at least two days after as_of and the column keeps
        ``LATER_KEEP`` items dated on or before as_of."""
        first = 1 if self.future_index is not None else 0
        span = ((self.forged_after or self.as_of) - self.as_of).days - 1
        if self.undated or self.blank or span < self.profile.later:
            return 0
        return max(0, min(self.profile.later, self.items - first - LATER_KEEP))

    @property
    def later_indexes(self) -> range:
        """Indexes of the later items (see :attr:`later_count`)."""
        first = 1 if self.future_index is not None else 0
        return range(first, first + self.later_count)

    @property
    def undated_count(self) -> int:
        return self.items if self.undated else 0

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

        Item of rank ``r`` (``index``, minus one after a future item) sits at a continuous
        age ``newest_age + r * gap + u * min(gap, 1)`` days (``u`` in [0, 1) from the seed):
        the whole part is the day, the fraction the time of day (08:00-18:59, earlier for
        older), so order holds within a day and the newest dated item is exactly
        ``newest_age`` days old. The future item is ``FUTURE_DAYS`` after ``forged_after`` (the later
        of as_of and the real today, so it is future against any fetch before then), at 10:00.
        Later items (:attr:`later_count`) are spread over the days after as_of and before the crawl
        day, at 09:30, and do not count in the rank.
        """
        rank = index
        if self.profile.future:
            if index == 0:
                return datetime.combine((self.forged_after or self.as_of) + timedelta(days=FUTURE_DAYS), time(10, 0))
            rank = index - 1
        later = self.later_count
        if later:
            if rank < later:  # newest first: the first lies the day before the crawl day
                span = ((self.forged_after or self.as_of) - self.as_of).days - 1
                return datetime.combine(self.as_of + timedelta(days=span * (later - rank) // later), time(9, 30))
            rank -= later
        age = self.newest_age + rank * self.gap + self.item_seed(index, 1) / 2.0**64 * min(self.gap, 1.0)
        days = math.floor(age)
        minutes = 8 * 60 + int((1.0 - (age - days)) * 659)
        day = self.as_of - timedelta(days=days)
        return datetime.combine(day, time(minutes // 60, minutes % 60))

    def newest_date(self) -> date | None:
        """Newest date <= as_of among the dated items; ``None`` for an empty or undated column."""
        first = (1 if self.future_index is not None else 0) + self.later_count
        if self.undated or self.items <= first:
            return None
        return self.item_when(first).date()

    def docid(self, index: int) -> int:
        """Document id of item ``index``: newer items have larger ids."""
        return self.profile.no * 1_000_000 + (self.items - index)

    def index_of(self, docid: int) -> int | None:
        """Inverse of :meth:`docid`; ``None`` when the id names no item of this column."""
        if docid // 1_000_000 != self.profile.no:
            return None
        index = self.items - docid % 1_000_000
        return index if 0 <= index < self.items else None


def _list_pages(profile: ColumnProfile, items: int, per_page: int, paged: bool) -> int:
    """HTML list pages of a column: one for blank, script-filled and (jcms) unpaged columns."""
    if profile.blank or profile.js or not paged:
        return 1
    return max(1, math.ceil(items / (profile.page_size or per_page)))


def allocate(key: str, target: int, per_page: int, paged: bool, as_of: date,
             profiles: tuple[ColumnProfile, ...] = CATALOGUE, forged_after: date | None = None) -> list[Column]:
    """Columns whose items plus list pages add up to about ``target`` pages.

    ``paged`` is False for the JCMS family, whose later records come from the
    dataproxy endpoint instead of further HTML list pages. ``profiles``: the catalogue, or a
    copy changed by construction variation (names and links only: the counts stay the same).
    ``forged_after``: the day the forged future date counts from (default ``as_of``).
    """
    total_weight = sum(p.weight for p in profiles)

    def counts(scale: float) -> list[int]:
        out = []
        for p in profiles:
            least = FUTURE_MIN_ITEMS if p.future else MIN_ITEMS
            out.append(0 if p.blank else max(least, int(p.weight / total_weight * scale)))
        return out

    def size(cs: list[int]) -> int:
        return sum(c + _list_pages(p, c, per_page, paged) for p, c in zip(profiles, cs, strict=False))

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
    slugs = {p.no: p.slug for p in profiles}
    columns = []
    for profile, count in zip(profiles, items, strict=False):
        lo_age, hi_age = profile.age
        age = lo_age + stable_int(key, profile.no, "age") % (hi_age - lo_age + 1)
        gap = min(profile.gap, MAX_SPAN_DAYS / count) if count else 0.0
        pages = _list_pages(profile, count, per_page, paged)
        folder = f"{slugs[profile.parent]}/{profile.slug}" if profile.parent else profile.slug
        columns.append(Column(profile, count, profile.page_size or per_page, pages, age, gap, as_of, key,
                              stable_int(key, profile.no),
                              folder, forged_after))
    return columns


def _check_catalogue() -> None:
    """The catalogue's own invariants: name keywords and ColumnType labels give the true type."""
    for p in CATALOGUE:
        by_name = type_from_text(p.name)
        assert by_name in (None, p.type), (p.name, by_name)
        assert (type_from_text(p.meta_type) or "other") == p.type, (p.name, p.meta_type)
        assert sum(q.future for q in CATALOGUE) == 1 and sum(q.js for q in CATALOGUE) == 1


_check_catalogue()
