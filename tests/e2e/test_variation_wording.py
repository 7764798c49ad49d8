"""End-to-end over construction variation, issue 16 class 4: near-misses of the wording lexicon, on
variation seeds 1, 2 and 3 of every CMS family (``SimOptions(variation=N)``, docs/simulator.md).

Under variation each site plants, besides the fixed wording errors, one near-miss per class
(homophone, near_homophone, shape, swap, drop, drop_edge, insert) of lexicon expressions chosen by
seed (``govwatch.sim.near_miss``), each in a neutral sentence of the wording slot's article. Per
class: every such plant is a wording_error finding at its URL whose ``found`` covers the planted
form, whose ``expected`` is the expression and whose ``how`` and ``error_class`` name the class;
and no wording_error stands anywhere on these sites beyond the manifest's plants (wording_error is
one of the manifest's complete kinds). The sites are those of tests/e2e/test_variation_sim.py,
inspected once each.
"""

from __future__ import annotations

from typing import Any

import pytest

from govwatch.sim.expected import COMPLETE_KINDS
from govwatch.sim.near_miss import CLASSES, site_near_misses
from govwatch.sim.plants import WORDING
from tests.e2e import test_variation_sim
from tests.e2e.test_variation_sim import CASES, VariedSites

varied = test_variation_sim.varied  # the same fixture (this module builds its own sites with it)

# The check's error_class (WordingMatch.error_class) for each planted class: an edge drop is a drop.
ERROR_CLASS = {**{c: c for c in CLASSES}, "drop_edge": "drop"}


def _plant_of(truth: dict[str, Any], form: str, expected: str) -> dict[str, Any]:
    """The manifest's wording_error plant of ``form`` (exactly one)."""
    (plant,) = [p for p in truth["planted"] if p["kind"] == "wording_error"
                and (p["match"]["found"], p["match"]["expected"]) == (form, expected)]
    return plant


def _covers(finding: dict[str, Any], plant: dict[str, Any], error_class: str | None = None) -> bool:
    ev, match = finding["evidence"], plant["match"]
    return (finding["kind"] == "wording_error" and finding["url"] == plant["url"] and match["found"] in ev["found"]
            and ev["expected"] == match["expected"] and ev["how"] == match["how"]
            and (error_class is None or ev["error_class"] == error_class))


@pytest.mark.parametrize("cls", CLASSES)
def test_every_planted_near_miss_of_the_class_is_found(varied: VariedSites, cls: str) -> None:
    missed = []
    for variation, site_id in CASES:
        truth, doc = varied.truth(variation, site_id), varied.document(variation, site_id)
        seed = varied.servers[variation].options.seed
        mine = [n for n in site_near_misses(seed, variation, site_id) if n.cls == cls]
        assert len(mine) == 1, (variation, site_id, "one near-miss per class and site")
        for near in mine:
            plant = _plant_of(truth, near.form, near.expected)
            assert plant["match"]["how"] == near.how and "needs" not in plant
            if not any(_covers(f, plant, ERROR_CLASS[cls]) for f in doc["findings"]):
                got = [(f["evidence"]["found"], f["evidence"]["expected"], f["evidence"]["how"])
                       for f in doc["findings"] if f["kind"] == "wording_error" and f["url"] == plant["url"]]
                missed.append(((variation, site_id), near.form, near.expected, near.sentence, got))
    assert missed == []


def test_no_wording_error_beyond_the_plants(varied: VariedSites) -> None:
    """Every wording_error finding is one planted near-miss (fixed or varied) at its URL: none on
    the rest of the site, none for a second reading of a plant."""
    assert "wording_error" in COMPLETE_KINDS
    extra = []
    for case in CASES:
        truth, doc = varied.truth(*case), varied.document(*case)
        plants = [p for p in truth["planted"] if p["kind"] == "wording_error"]
        assert len(plants) == len(WORDING) + len(CLASSES), (case, "the fixed plants and one per class")
        for f in doc["findings"]:
            if f["kind"] == "wording_error" and not any(_covers(f, p) for p in plants):
                extra.append((case, f["url"], f["evidence"]["found"], f["evidence"]["expected"]))
    assert extra == []
