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
  one whose ``found`` is named.

Nothing is cached: the next request sees the repair, the server is not restarted. The manifest's
``repaired`` list (``SimServer.manifest["repaired"]``) names each repair with the planted entries
it removed, so a test asserts against ground truth; ``SimServer.unrepair()`` undoes them all.
External targets (another host answering 500, a refused port) are not the site's to repair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from govwatch.sim.layout import Ref

if TYPE_CHECKING:
    from govwatch.sim.site import SiteGenerator

__all__ = ["REPAIRABLE_FAULTS", "TEXT_KINDS", "RepairError", "SiteRepairs", "repair_site"]

REPAIRABLE_FAULTS = frozenset({"404", "410", "500", "slow", "reset", "soft404"})  # internal broken targets
TEXT_KINDS = ("wording_error", "typo")  # planted text defects an article can be corrected of


class RepairError(ValueError):
    """Nothing planted at the URL can be repaired (the message says why)."""


@dataclass(slots=True)
class SiteRepairs:
    """What has been repaired on one site (the generator reads it on every answer)."""

    targets: set[str] = field(default_factory=set)  # site-relative paths of repaired broken targets
    corrections: dict[Ref, list[tuple[str, str]]] = field(default_factory=dict)  # article -> (found, expected)

    def correct(self, ref: Ref, html: str) -> str:
        """``html`` of the article ``ref`` with its repaired wording errors and typos corrected."""
        for found, expected in self.corrections.get(ref, ()):
            html = html.replace(found, expected)
        return html

    def clear(self) -> None:
        self.targets.clear()
        self.corrections.clear()


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
