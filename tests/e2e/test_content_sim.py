"""End-to-end: the content, personal-data and identity checks on every simulated site.

Truth is the simulator's manifest (``planted`` and ``negatives``, built from the same plan objects
that render the pages): every planted wording error, typo, banned term, personal-data leak (page
text, link text, xlsx/docx/csv/pdf attachments) and footer/meta defect is reported at its URL with
matching evidence; findings of these kinds stand nowhere else; nothing is reported on the
negatives (masked numbers, invalid checksums and dates, region 99, digits inside longer numbers,
landlines, canonical phrases, local body names, anti-gambling text, a masked-only attachment); and
personal values appear only masked. Entries with ``needs`` (Baiduspider, tampering) are served only
under that condition and are not part of an ordinary crawl.
"""

from __future__ import annotations

from typing import Any

import pytest

from govwatch.core.jsonfile import json_bytes
from tests.conftest import InspectedSites

SITES = ("trs", "jcms", "legacy", "fgw", "jyj")  # the first three also carry the identity plants
CONTENT_KINDS = ("wording_error", "typo", "banned_content", "privacy_leak")
IDENTITY_KINDS = ("footer_item_missing", "footer_item_invalid", "meta_tag_missing", "meta_tag_invalid")
KINDS = CONTENT_KINDS + IDENTITY_KINDS


@pytest.fixture()
def inspected(inspected_sites: InspectedSites, site_id: str) -> dict[str, Any]:
    """The site's inspection document (each site inspected once, whole site: tests/conftest.py)."""
    return inspected_sites[site_id].document


def planted(truth: dict[str, Any], kinds: tuple[str, ...] = KINDS) -> list[dict[str, Any]]:
    """Plants of ``kinds`` an ordinary crawl sees (no ``needs``)."""
    return [p for p in truth["planted"] if p["kind"] in kinds and "needs" not in p]


def matches(finding: dict[str, Any], match: dict[str, Any]) -> bool:
    """Whether the finding's evidence holds ``match`` (a list in the evidence holds a scalar wanted)."""
    evidence = finding["evidence"]
    for key, want in match.items():
        got = evidence.get(key)
        if isinstance(got, list) and not isinstance(want, list):
            if want not in got:
                return False
        elif got != want:
            return False
    return True


def _expected_elsewhere(finding: dict[str, Any], truth: dict[str, Any]) -> bool:
    """Identity findings the simulator has always had besides the plants: the legacy family's
    lower-case meta names and the PubDate of the future-dated items."""
    ev = finding["evidence"]
    if finding["kind"] != "meta_tag_invalid":
        return False
    future = {i["url"] for i in truth["future_dates"]}
    return ev.get("problem") == "case" or (ev.get("problem") == "future" and finding["url"] in future)


@pytest.mark.parametrize("site_id", SITES)
def test_every_planted_defect_is_found_with_its_evidence(inspected: dict[str, Any], sim: Any, site_id: str) -> None:
    findings = inspected["findings"]
    truth = sim.manifest["sites"][site_id]
    plants = planted(truth)
    assert {p["kind"] for p in plants} >= set(CONTENT_KINDS)
    for plant in plants:
        here = [f for f in findings if f["kind"] == plant["kind"] and f["url"] == plant["url"]]
        got = [f["evidence"] for f in here]
        assert any(matches(f, plant["match"]) for f in here), \
            f"{site_id}: planted {plant['kind']} {plant['match']} at {plant['url']} not reported; got {got}"


@pytest.mark.parametrize("site_id", SITES)
def test_findings_of_these_kinds_stand_only_where_planted(inspected: dict[str, Any], sim: Any, site_id: str) -> None:
    findings = inspected["findings"]
    truth = sim.manifest["sites"][site_id]
    plants = planted(truth)
    for f in findings:
        if f["kind"] not in KINDS or _expected_elsewhere(f, truth):
            continue
        same = [p for p in plants if p["kind"] == f["kind"] and p["url"] == f["url"]]
        assert any(matches(f, p["match"]) for p in same), \
            f"{site_id}: {f['kind']} at {f['url']} is not planted: {f['message']} {f['evidence']}"


@pytest.mark.parametrize("site_id", SITES)
def test_nothing_is_reported_on_the_negatives(inspected: dict[str, Any], sim: Any, site_id: str) -> None:
    findings = inspected["findings"]
    negatives = [n for n in sim.manifest["sites"][site_id]["negatives"] if n["kind"] in KINDS]
    assert {n["kind"] for n in negatives} >= set(CONTENT_KINDS)
    reported = {(f["kind"], f["url"]) for f in findings}
    for negative in negatives:
        assert (negative["kind"], negative["url"]) not in reported, f"{site_id}: {negative}"


@pytest.mark.parametrize("site_id", SITES)
def test_negatives_and_plants_were_read(inspected_sites: InspectedSites, sim: Any, site_id: str) -> None:
    """Silence on a negative means something only if its page or attachment was fetched and stored."""
    data = inspected_sites[site_id].data
    entries = sim.manifest["sites"][site_id]["negatives"] + planted(sim.manifest["sites"][site_id])
    for url in {e["url"] for e in entries}:
        row = data.fetches.get(url)
        assert row is not None and row["status"] == 200, (site_id, url, row)
        assert data.body(url), (site_id, url)


@pytest.mark.parametrize("site_id", SITES)
def test_personal_values_appear_only_masked(inspected: dict[str, Any], sim: Any, site_id: str) -> None:
    doc = inspected
    text = json_bytes(doc).decode("utf-8")
    leaks = planted(sim.manifest["sites"][site_id], ("privacy_leak",))
    assert len(leaks) == 6
    for plant in leaks:
        (finding,) = [f for f in doc["findings"] if f["kind"] == "privacy_leak" and f["url"] == plant["url"]]
        shown = [e["value"] for e in finding["evidence"]["examples"]] + [finding["evidence"]["value"]]
        for value in plant["values"]:
            assert value not in text, f"{site_id}: {value} shown in full"
            assert any("*" in s and s[:3] == value[:3] and s.endswith(value[-4:]) for s in shown), (value, shown)


# The simulator's hiding technique -> the reason extraction gives (a class rule names its selector).
DARK_REASONS = {"display_none": "display_none", "visibility_hidden": "visibility_hidden", "offscreen": "offscreen",
                "font_size_0": "zero_font", "same_colour": "same_colour", "marquee": "marquee",
                }


@pytest.mark.parametrize("site_id", SITES)
def test_dark_links_and_injected_embeds_follow_the_manifest(inspected: dict[str, Any], sim: Any,
                                                             site_id: str) -> None:
    truth = sim.manifest["sites"][site_id]
    doc = inspected
    found = {(f["url"], f["target"]): f for f in doc["findings"] if f["kind"] in ("dark_link", "tampering")}
    plants = planted(truth, ("dark_link", "tampering"))
    assert len(plants) == 10, plants  # eight techniques, an injected script and an iframe
    for plant in plants:
        m = plant["match"]
        f = found.pop((plant["url"], m["target"]), None)
        assert f is not None, f"{site_id}: not found {plant}"
        assert f["kind"] == plant["kind"]
        if plant["kind"] == "dark_link":
            assert f["evidence"]["text"] == m["text"]
            if m["technique"] == "style_class":
                assert f["evidence"]["selector"], f
            elif m["technique"] == "document_write":  # written by a script (which may hide it as well)
                assert f["evidence"]["script"] is True, f
            else:
                assert f["evidence"]["reason"] == DARK_REASONS[m["technique"]], (m, f["evidence"])
            assert f["evidence"]["category"] is not None  # every planted anchor text is a gambling/porn term
        else:
            assert f["evidence"]["signal"] == m["signal"]
    assert found == {}, f"{site_id}: unplanted security findings {list(found)}"
    negatives = {(n["url"], n.get("target")) for n in truth["negatives"] if n["kind"] == "dark_link"}
    assert len(negatives) == 2
    assert not any((f["url"], f["target"]) in negatives for f in doc["findings"] if f["kind"] == "dark_link")
