"""Homepage updates (首页更新): distinct dated items shown on the homepage in the window."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from govwatch.analysis.columns.analyze import columns_of
from govwatch.rundata import RunData


@dataclass(slots=True)
class HomepageUpdates:
    """The homepage's dated items against the rule table's homepage window."""

    window_days: int
    cutoff: date  # the oldest date inside the window
    items_in_window: int
    newest: date | None  # newest item dated on or before the inspection date
    dated_items: int
    basis: str  # homepage | second-level pages (a navigation-only homepage) | none (no homepage)
    future: list[tuple[str, str | None, date]] = field(default_factory=list)  # (title, url, date)
    after_as_of: int = 0  # distinct items dated after the inspection day but not after the crawl
    expires: date | None = None
    days_left: int | None = None


def homepage_updates(data: RunData) -> HomepageUpdates:
    """Count distinct items by URL (title and date when an item has no link)."""
    window = data.rules.homepage_window
    as_of = data.as_of
    cutoff = window.cutoff(as_of)
    home = data.homepage()
    home_url = next((u for u in data.homepage_urls if data.page(u) is not None), data.site_url)
    blocks = [(home_url, b) for b in (home or {}).get("lists") or []]  # (the page showing it, block)
    if home and home.get("needs_render") and not home.get("rendered"):  # blocks scripts fill: their data
        blocks += [(url, b) for url in home.get("endpoints") or [] if (facts := data.page(url))
                   for b in (facts.get("lists") or [])[:1]]
    basis = "homepage" if home else "none"
    if home and not any(it.get("date") for _, b in blocks for it in b.get("items") or []):
        # 2015 V2: "if the homepage is only navigation, check all second-level pages".
        blocks = [(url, b) for col in columns_of(data) for url in col.list_pages[:1]
                  if (facts := data.page(url)) for b in (facts.get("lists") or [])[:1]]
        basis = "second-level pages"
    seen: dict[str, date] = {}
    later: set[str] = set()  # after the inspection day, not after the crawl: outside the period
    future: dict[str, tuple[str, str | None, date]] = {}
    for page_url, block in blocks:
        limit = data.future_after(page_url)
        for item in block.get("items") or []:
            if not item.get("date"):
                continue
            when = date.fromisoformat(item["date"])
            key = item.get("url") or f"{item.get('title')}|{item['date']}"
            if when > limit:
                future[key] = (item.get("title") or "", item.get("url"), when)
            elif when > as_of:
                later.add(key)
            elif key not in seen or when > seen[key]:
                seen[key] = when
    newest = max(seen.values(), default=None)
    in_window = sum(1 for when in seen.values() if when >= cutoff)
    expires = window.expires(newest) if newest else None
    return HomepageUpdates(
        window_days=window.days(as_of), cutoff=cutoff, items_in_window=in_window, newest=newest,
        dated_items=len(seen), basis=basis, future=list(future.values()), after_as_of=len(later - seen.keys()),
        expires=expires,
        days_left=(expires - as_of).days if expires else None)


def homepage_updates_of(data: RunData) -> HomepageUpdates:
    """Dated items shown on the run's homepage, computed once per run."""
    return data.derived("homepage_updates", homepage_updates)
