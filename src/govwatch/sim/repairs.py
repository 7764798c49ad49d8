"""Repairs of planted defects while the simulator serves: the unit fixed it (the rectification loop).

A test of the rectification loop (docs/rectification.md) needs a site that changes between two
inspections the way a unit's fix changes it: :meth:`govwatch.sim.SimServer.repair` asks for one
repair, :func:`repair_site` decides what it means for one site and records it in the site's
:class:`SiteRepairs`, which the generator consults when it answers:

- a **broken link target** (an internal planted fault: 404, 410, 500, slow, reset or soft 404) then
  answers 200 with a normal page (a 200 image or attachment for those resources), so every link to
  it works — the links themselves stay where they are;
- a **wording error or typo** on an article: the article is then served with the corrected text
  (``found`` replaced by ``expected``); all of the article's wording errors and typos, or only the
  one whose ``found`` is named;
- a **column** (its first list page's URL; not blank, not script-filled): a fresh item dated the
  inspection day (as-of, 09:00) heads its first list page, and its article answers — a stale
  column is then updated.

Nothing is cached: the next request sees the repair, the server is not restarted. The manifest's
``repaired`` list (``SimServer.manifest["repaired"]``) names each repair with the planted entries
it removed, so a test asserts against ground truth; ``SimServer.unrepair()`` undoes them all.
External targets (another host answering 500, a refused port) are not the site's to repair.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from govwatch.sim.column_pages import Column
from govwatch.sim.items import Headline, Item
from govwatch.sim.layout import Ref

if TYPE_CHECKING:
    from govwatch.sim.site import SiteGenerator

__all__ = ["FRESH_DOCID", "REPAIRABLE_FAULTS", "TEXT_KINDS", "RepairError", "SiteRepairs", "repair_site"]

REPAIRABLE_FAULTS = frozenset({"404", "410", "500", "slow", "reset", "soft404"})  # internal broken targets
TEXT_KINDS = ("wording_error", "typo")  # planted text defects an article can be corrected of
FRESH_DOCID = 98_000_000  # + column number: the document id of a column's fresh item (no real item has it)
FRESH_TIME = time(9, 0)  # a fresh item is published at this time of the as-of day


class RepairError(ValueError):
    """Nothing planted at the URL can be repaired (the message says why)."""


@dataclass(slots=True)
class SiteRepairs:
    """What has been repaired on one site (the generator reads it on every answer)."""

    targets: set[str] = field(default_factory=set)  # site-relative paths of repaired broken targets
    corrections: dict[Ref, list[tuple[str, str]]] = field(default_factory=dict)  # article -> (found, expected)
    fresh: dict[int, tuple[str, Item]] = field(default_factory=dict)  # column no -> (its fresh item's path, item)

    def correct(self, ref: Ref, html: str) -> str:
        """``html`` of the article ``ref`` with its repaired wording errors and typos corrected."""
        for found, expected in self.corrections.get(ref, ()):
            html = html.replace(found, expected)
        return html

    def fresh_entries(self, col_no: int, k: int) -> list[tuple[str, Headline]]:
        """(site-relative path, headline) of the fresh item heading list page ``k`` of a column ([] if none)."""
        fresh = self.fresh.get(col_no)
        if k != 0 or fresh is None:
            return []
        return [(fresh[0], Headline(fresh[1].title, fresh[1].when))]

    def fresh_item(self, path: str) -> Item | None:
        """The fresh item whose page is at the site-relative ``path``, or None."""
        return next((item for p, item in self.fresh.values() if p == path), None)

    def clear(self) -> None:
        self.targets.clear()
        self.corrections.clear()
        self.fresh.clear()


def repair_site(gen: SiteGenerator, rel: str, url: str, found: str | None = None) -> dict[str, Any]:
    """Repair what is planted at the site-relative path ``rel`` (absolute ``url``) of ``gen``'s site;
    returns the manifest entry of the repair: ``{site, url, kind, fault | planted}`` (the server adds
    a broken target's ``broken_links`` from the manifest).

    RepairError when the path holds nothing repairable (or not the named ``found``)."""
    fault = gen.plan.faults.get(rel)
    if fault is not None:
        if fault not in REPAIRABLE_FAULTS:
            raise RepairError(f"{url} is a decoy ({fault}), not a broken target")
        gen.repairs.targets.add(rel)
        return {"site": gen.spec.id, "url": url, "kind": "broken_link", "fault": fault}
    col = next((c for c in gen.columns if c.list_pages and gen.layout.list_path(c, 0) == rel), None)
    if col is not None:
        return _freshen(gen, col, url)
    ref = gen.layout.parse(rel)
    plants = [p for p in gen.plants.planted
              if ref is not None and p.ref == ref and p.kind in TEXT_KINDS and found in (None, p.match["found"])]
    if ref is None or not plants:
        what = f"「{found}」" if found else "a broken target, wording error or typo"
        raise RepairError(f"nothing to repair at {url}: no planted {what} there")
    fixes = gen.repairs.corrections.setdefault(ref, [])
    for plant in plants:
        pair = (str(plant.match["found"]), str(plant.match["expected"]))
        if pair not in fixes:
            fixes.append(pair)
    kinds = sorted({p.kind for p in plants})
    return {"site": gen.spec.id, "url": url, "kind": kinds[0] if len(kinds) == 1 else "text",
            "planted": [{"kind": p.kind, "url": url, "match": dict(p.match)} for p in plants]}


def _freshen(gen: SiteGenerator, col: Column, url: str) -> dict[str, Any]:
    """Publish a fresh item (dated the as-of day) at the head of the column ``col``'s first list page."""
    if col.blank or col.js:
        raise RepairError(f"{url} is a blank or script-filled column: no list to add an item to")
    when = datetime.combine(gen.options.day, FRESH_TIME)
    docid = FRESH_DOCID + col.no
    template = gen.factory.item(col, 0)
    item = dataclasses.replace(template, docid=docid, when=when, title=f"{col.name}最新信息（{when:%Y年%m月%d日}）",
                               attachments=[], images=0, links=[])
    path = gen.layout.doc_path(col.path, col.jcms_id, docid, when.date())
    gen.repairs.fresh[col.no] = (path, item)
    return {"site": gen.spec.id, "url": url, "kind": "stale_column", "column": f"c{col.no}",
            "item": {"url": gen.url(path), "date": when.date().isoformat()}}
