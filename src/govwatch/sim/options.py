"""Options of the simulator and the default site portfolio."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from govwatch.sim.access import ACCESS_MODES, AccessMode

Family = Literal["trs", "jcms", "legacy"]
Placement = Literal["host", "prefix"]

FAMILIES: tuple[str, ...] = ("trs", "jcms", "legacy")
HOSTILE_ID = "hostile"
MIN_PAGES = 50
MAX_PAGES = 100_000
_SHANGHAI = timezone(timedelta(hours=8))  # China keeps no daylight saving time.


def today_shanghai() -> date:
    """Today's date in Asia/Shanghai."""
    return datetime.now(_SHANGHAI).date()


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """One simulated site.

    ``kind`` selects how the name is made: ``city`` (市人民政府), ``county``
    (县人民政府) or ``department`` (市某某局, using ``dept``, a key of
    ``words.DEPARTMENTS``). ``pages`` overrides ``SimOptions.site_pages``. ``access`` (one of
    ``sim.access.ACCESS_MODES``) makes the site unreadable in one way: ``open`` (default) serves it,
    ``refused`` (host sites only) leaves its port unanswered, ``unavailable`` answers 503,
    ``challenge`` a WAF challenge, ``challenge-after-home``/``failing`` everything but the homepage.
    """

    id: str
    family: Family
    placement: Placement = "host"
    kind: Literal["city", "county", "department"] = "city"
    dept: str | None = None
    name: str | None = None
    pages: int | None = None
    access: AccessMode = "open"

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown family {self.family!r}")
        if self.placement not in ("host", "prefix"):
            raise ValueError(f"unknown placement {self.placement!r}")
        if not self.id or not self.id.replace("_", "").replace("-", "").isalnum() or self.id == HOSTILE_ID:
            raise ValueError(f"bad site id {self.id!r}")
        if self.access not in ACCESS_MODES:
            raise ValueError(f"unknown access {self.access!r} (one of {', '.join(ACCESS_MODES)})")
        if self.access == "refused" and self.placement != "host":
            raise ValueError("access 'refused' needs a host-placed site (a prefix site shares the platform's port)")


def default_sites() -> tuple[SiteSpec, ...]:
    """The portfolio used by ``govwatch demo``: one host site per family, two prefix sites."""
    return (
        SiteSpec("trs", "trs", "host", "city"),
        SiteSpec("jcms", "jcms", "host", "county"),
        SiteSpec("legacy", "legacy", "host", "department", dept="wjw"),
        SiteSpec("fgw", "trs", "prefix", "department", dept="fgw"),
        SiteSpec("jyj", "jcms", "prefix", "department", dept="jyj"),
    )


@dataclass(frozen=True, slots=True)
class SimOptions:
    """Everything that decides the simulated web: same options, same bytes.

    ``as_of`` defaults to today in Asia/Shanghai (resolved once, at construction). ``today`` is the
    real date in Asia/Shanghai (resolved once, at construction; pinned only by tests): planted forged
    dates lie after the later of the two, so they stay future against the moment a page is fetched.
    ``hostile`` adds the ``hostile`` site with the crawler traps. ``tampered`` serves the lead
    sites' homepages with planted tampering (a second crawl then differs from a baseline crawl;
    see ``govwatch.sim.plants``). ``variation`` 0 builds every site the way docs/sim-families.md
    describes; ``N >= 1`` picks other constructions per site, by seed (``govwatch.sim.variation``).
    """

    seed: int = 7
    as_of: date | None = None
    site_pages: int = 300
    slow_seconds: float = 3.0
    slow_ok_seconds: float = 0.3
    sites: tuple[SiteSpec, ...] | None = None
    hostile: bool = True
    hang_seconds: float = 600.0
    huge_bytes: int = 50 * 1024 * 1024
    bomb_bytes: int = 105 * 1024 * 1024
    retry_after: int = 1
    tampered: bool = False
    variation: int = 0
    today: date | None = None
    clone: str | None = None  # a host-placed site also served, as a counterfeit copy, on 127.0.0.2 (sim.clones)

    def __post_init__(self) -> None:
        if self.as_of is None:
            object.__setattr__(self, "as_of", today_shanghai())
        if self.today is None:
            object.__setattr__(self, "today", today_shanghai())
        if self.sites is not None and not isinstance(self.sites, tuple):
            object.__setattr__(self, "sites", tuple(self.sites))
        ids = [s.id for s in self.portfolio]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate site ids in {ids}")
        if self.variation < 0:
            raise ValueError("variation must be 0 or more")
        if self.clone is not None and self.clone not in {s.id for s in self.portfolio if s.placement == "host"}:
            raise ValueError(f"clone {self.clone!r} is not a host-placed site of the portfolio")
        if not MIN_PAGES <= self.site_pages <= MAX_PAGES:
            raise ValueError(f"site_pages must lie in {MIN_PAGES}..{MAX_PAGES}")

    @property
    def day(self) -> date:
        """``as_of`` as a definite date (never ``None`` after construction)."""
        assert self.as_of is not None
        return self.as_of

    @property
    def forged_after(self) -> date:
        """The day planted forged (future) dates count from: the later of ``as_of`` and ``today``."""
        assert self.today is not None
        return max(self.day, self.today)

    @property
    def portfolio(self) -> tuple[SiteSpec, ...]:
        """The sites to simulate (``sites`` or the default portfolio)."""
        return self.sites if self.sites is not None else default_sites()

    def spec(self, site_id: str) -> SiteSpec:
        """The spec of one site."""
        for spec in self.portfolio:
            if spec.id == site_id:
                return spec
        raise KeyError(site_id)

    def pages_for(self, spec: SiteSpec) -> int:
        """Target page count of a site, clamped to the supported range."""
        return max(MIN_PAGES, min(MAX_PAGES, spec.pages or self.site_pages))

    def with_(self, **changes: object) -> SimOptions:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]
