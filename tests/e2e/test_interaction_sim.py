"""End-to-end: interaction and service findings on the simulated sites of every CMS family.

Ground truth is the manifest's ``interaction`` entry (``govwatch.sim.boards``): planted
unanswered, late and incomplete messages, the negatives (a complaint still inside its limit, a
complaint answered on its 5th working day across National Day), planted guide defects, surveys
and interviews. Each family renders message and guide details in another layout (table,
definition list, headed sections). The run is re-scored with the census and suqian tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govwatch.report.html import render_html
from govwatch.report.inspection import scored_document
from govwatch.rules import load_ruleset
from govwatch.scoring.runs import score_stored_run
from govwatch.store.db import Store
from tests.conftest import AS_OF, InspectedSites

FAMILIES = ["trs", "jcms", "legacy"]
MESSAGE_KINDS = {"message_unanswered", "message_late_reply", "message_fields_unpublished"}
GUIDE_KINDS = {"guide_incomplete", "guide_vague", "guide_materials_unclear", "form_unavailable",
               "online_system_unreachable"}


@pytest.fixture()
def doc(inspected_sites: InspectedSites, site_id: str) -> dict[str, Any]:
    """The site's inspection document (each site inspected once, whole site: tests/conftest.py)."""
    return inspected_sites[site_id].document


@pytest.fixture()
def own_store(inspected_sites: InspectedSites, site_id: str, tmp_path: Path) -> Iterator[tuple[int, Store]]:
    """The site's run in a copy of the shared store (scoring stores its sheets)."""
    run_id = inspected_sites[site_id].run_id
    store = inspected_sites.copy_store(tmp_path)
    yield run_id, store
    store.close()


def _by_url(doc: dict, kinds: set[str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in doc["findings"]:
        if f["kind"] in kinds:
            out.setdefault(f["url"], []).append(f)
    return out


@pytest.mark.parametrize("site_id", FAMILIES)
def test_every_planted_message_is_found_and_no_negative(doc: dict[str, Any], sim: Any, site_id: str) -> None:
    truth = sim.manifest["sites"][site_id]["interaction"]
    found = _by_url(doc, MESSAGE_KINDS)
    expects = {m["expect"] for m in truth["messages"]}
    assert {"unanswered", "unanswered_recent", "pending", "late", "ontime", "fields_unpublished"} <= expects
    assert any(m["expect"] == "ontime" and m["holidays"] for m in truth["messages"]), "a reply across a holiday"
    veto = next(v for v in doc["vetoes"] if v["id"] == "V5")
    for m in truth["messages"]:
        got = found.pop(m["url"], [])
        where = f"{site_id} {m['expect']} {m['url']}"
        if m["expect"] in ("unanswered", "unanswered_recent"):
            (f,) = got
            assert f["kind"] == "message_unanswered", where
            assert f["evidence"]["days_unanswered"] == (AS_OF.toordinal() - _ordinal(m["asked"])), where
            assert (f["evidence"]["days_unanswered"] > 90) is (m["expect"] == "unanswered"), where
            assert (f["id"] in veto["findings"]) is (m["expect"] == "unanswered"), where
        elif m["expect"] == "late":
            (f,) = got
            assert f["kind"] == "message_late_reply", where
            ev = f["evidence"]
            assert (ev["working_days_taken"], ev["limit_days"], ev["category"]) == \
                (m["working_days"], m["limit_days"], m["category"]), where
            assert ev["working_days_taken"] > ev["limit_days"], where
        elif m["expect"] == "fields_unpublished":
            (f,) = got
            assert f["kind"] == "message_fields_unpublished" and f["evidence"]["missing"] == m["hidden"], where
        else:  # pending, ontime, ok: nothing to report
            assert got == [], where
            if m["expect"] == "ontime":
                assert m["working_days"] == m["limit_days"] < m["calendar_days"] - 2, where
    assert found == {}, f"{site_id}: message findings on unplanted pages: {list(found)}"
    assert doc["verdict"] == "不合格"  # doc["vetoes"] lists triggered vetoes only


def _ordinal(text: str) -> int:
    from datetime import date
    return date.fromisoformat(text).toordinal()


@pytest.mark.parametrize("site_id", FAMILIES)
def test_every_planted_guide_defect_is_found_with_its_url(doc: dict[str, Any], sim: Any, site_id: str) -> None:
    truth = sim.manifest["sites"][site_id]["interaction"]
    found = _by_url(doc, GUIDE_KINDS)
    roles = {g["expect"] for g in truth["guides"]}
    assert {"complete", "incomplete", "vague", "form_broken", "form_unlinked", "materials_unclear",
            "online_broken"} <= roles
    for g in truth["guides"]:
        got = found.pop(g["url"], [])
        kinds = sorted(f["kind"] for f in got)
        where = f"{site_id} {g['expect']} {g['url']}"
        if g["expect"] == "complete":
            assert got == [], where
        elif g["expect"] == "incomplete":
            assert kinds == ["guide_incomplete"] and got[0]["evidence"]["missing"] == g["missing"], where
            assert got[0]["evidence"]["missing_key_count"] == 0, where
        elif g["expect"] == "vague":
            assert kinds == ["guide_vague"], where
            assert {p["phrase"] for p in got[0]["evidence"]["phrases"]} == set(g["vague"]), where
        elif g["expect"] == "form_broken":
            assert kinds == ["form_unavailable"] and got[0]["target"] == g["form_url"], where
            assert got[0]["evidence"]["problem"] == "broken" and got[0]["evidence"]["status"] == 404, where
        elif g["expect"] == "form_unlinked":
            assert kinds == ["form_unavailable"] and got[0]["evidence"]["problem"] == "not_linked", where
        elif g["expect"] == "materials_unclear":
            assert kinds == ["guide_materials_unclear"], where
        elif g["expect"] == "online_broken":
            assert kinds == ["online_system_unreachable"] and got[0]["target"] == g["online_url"], where
    assert found == {}, f"{site_id}: guide findings on unplanted pages: {found}"
    # The broken form is also a confirmed broken link of the link check.
    broken = {b["url"]: b for b in doc["links"]["broken"]}
    form = next(g["form_url"] for g in truth["guides"] if g["expect"] == "form_broken")
    assert broken[form]["confirmed"] and broken[form]["resource"] == "attachment"


@pytest.mark.parametrize("site_id", FAMILIES)
def test_surveys_interviews_and_statistics(doc: dict[str, Any], sim: Any, site_id: str) -> None:
    truth = sim.manifest["sites"][site_id]["interaction"]
    kinds = {f["kind"]: f for f in doc["findings"]}
    survey = kinds["survey_inactive"]
    assert survey["evidence"]["activities_in_year"] == truth["surveys"]["activities_in_year"] < 6
    assert survey["url"] == truth["surveys"]["url"]
    interview = kinds["interview_inactive"]
    assert interview["evidence"]["activities_in_year"] == truth["interviews"]["activities_in_year"] == 0
    results = {f["url"]: f["evidence"]["problem"] for f in doc["findings"] if f["kind"] == "survey_result_unpublished"}
    planted = {i["url"]: i["expect"].removeprefix("result_") for i in truth["surveys"]["items"]
               if i["expect"] in ("result_missing", "result_late")}
    assert planted and results == planted
    assert truth["statistics_published"] is False and "message_stats_unpublished" in kinds
    assert "no_consult_channel" not in kinds and "consult_inactive" not in kinds


def _indicator(sheet: dict, ident: str) -> dict:
    return next(i for i in sheet["indicators"] if i["id"] == ident)


@pytest.mark.parametrize("site_id", FAMILIES)
def test_the_three_tables_score_the_findings_and_the_report_shows_them(own_store: tuple[int, Store], sim: Any,
                                                                        site_id: str) -> None:
    run_id, store = own_store
    truth = sim.manifest["sites"][site_id]["interaction"]
    late = sum(m["expect"] == "late" for m in truth["messages"])
    unanswered = sum(m["expect"] in ("unanswered", "unanswered_recent") for m in truth["messages"])
    for table in ("national-2019", "census-2015", "suqian-2022"):
        scored = score_stored_run(store, run_id, load_ruleset(table))
        sheet = scored.sheet
        v5 = next(v for v in sheet["vetoes"] if v["id"] == "V5")
        assert v5["triggered"] and len(v5["findings"]) == 1, table
        if table == "census-2015":
            # 2 points per missing element class, 1 per form not offered or not downloadable,
            # 3 per unreachable online system, 3 for fewer than 6 surveys (portal), 5 for no interview.
            assert _indicator(sheet, "guides")["points"] == 2 * 2
            assert _indicator(sheet, "downloads")["points"] == 2
            assert _indicator(sheet, "online-systems")["points"] == 3
            assert _indicator(sheet, "survey")["points"] == 3
            assert _indicator(sheet, "interview")["points"] == 5
        elif table == "suqian-2022":
            assert _indicator(sheet, "replies")["points"] == min(5, late + unanswered)
            # 0.5 × 2 missing classes + 2 vague + 1 unclear materials
            assert _indicator(sheet, "guides")["points"] == pytest.approx(4.0)
            assert _indicator(sheet, "forms")["points"] == 2
            assert _indicator(sheet, "message-publicity")["points"] == 1 + 2  # fields of one message + statistics
            assert _indicator(sheet, "survey")["points"] == 7
        else:
            assert _indicator(sheet, "messages")["points"] == late + unanswered + 1 + 2
            assert _indicator(sheet, "online-systems")["points"] == 3
        doc = scored_document(store, scored)
        html = render_html(doc)
        assert "互动回应差" in html, table
        for f in doc["findings"]:
            if f["kind"] in ("message_unanswered", "guide_incomplete"):
                assert f["id"] in html, (table, f["id"])


@pytest.mark.parametrize("site_id", FAMILIES)
def test_interpretation_links_are_judged_against_the_planted_gaps(doc: dict[str, Any], sim: Any, site_id: str) -> None:
    """Exactly the planted gaps of the manifest's ``linkage`` are reported (sim.linkage): the 图解
    that links no document (naming none: no target), and the documents that do not link back to
    the interpretations linking them (target: the first of those); every other interpretation and
    document links its partner. The 数据发布 column is fresh (20-60 days) and offers .xlsx files:
    no data finding."""
    truth = sim.manifest["sites"][site_id]["linkage"]
    found = {(f["url"], f["evidence"]["direction"]): f for f in doc["findings"]
             if f["kind"] == "interpretation_unlinked"}
    assert {d for _u, d in found} == {"interpretation_to_policy", "policy_to_interpretation"}
    assert set(found) == {(t["url"], t["direction"]) for t in truth}
    for t in truth:
        f = found[(t["url"], t["direction"])]
        if t["direction"] == "policy_to_interpretation":
            assert f["target"] == t["interpretation"]
        else:
            assert f["target"] is None and f["message"].startswith("政策解读「图解：")
    interp = next(c for c in sim.manifest["sites"][site_id]["columns"] if c["type"] == "interpretation")
    assert len([t for t in truth if t["direction"] == "interpretation_to_policy"]) < interp["items"] / 5
    assert not [f for f in doc["findings"] if f["kind"] in ("data_release_stale", "data_not_downloadable")]
