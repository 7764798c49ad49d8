"""End-to-end over construction variation: each class of site construction, on variation seeds
1, 2 and 3 of every CMS family (``SimOptions(variation=N)``, docs/simulator.md).

Each test asserts one class against the manifest over every site the seeds built with it
(``variation`` says which variant a site got; the truth keys are those of the other e2e tests:
columns, planted findings, interaction truth), so it holds on every instance, not on one. Sites
are small (200 pages), inspected once each with rendering off (script-filled lists must be read
through their endpoints). A class whose detection is not built yet is ``xfail(strict=True)``:
the day it lands the test XPASSes, fails, and the mark comes off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
import pytest

from govwatch.core.jsonfile import json_bytes
from govwatch.pipeline import inspect_site
from govwatch.sim import SimOptions, SimServer, SiteSpec
from govwatch.sim.expected import (
    COMPLETE_KINDS,
    MESSAGE_KINDS,
    expected_keys,
    found_keys,
    planted_kinds,
    suspected_links,
)
from govwatch.store.db import Store
from tests.conftest import AS_OF, SLOW_SECONDS, sim_settings

VARIATIONS = (1, 2, 3)
SITE_PAGES = 200  # small sites that still hold every construction variant
SITES = (SiteSpec("trs", "trs", "host", "city"), SiteSpec("jcms", "jcms", "host", "county"),
         SiteSpec("legacy", "legacy", "host", "department", dept="wjw"))
CASES = [(v, s.id) for v in VARIATIONS for s in SITES]


@dataclass
class VariedSites:
    """One simulator per variation seed; each site inspected on first request, then kept."""

    servers: dict[int, SimServer]
    store: Store
    as_of: date = AS_OF  # the inspection time point (the simulators are built for it)
    _docs: dict[tuple[int, str], bytes] = field(default_factory=dict)

    def truth(self, variation: int, site_id: str) -> dict[str, Any]:
        return self.servers[variation].manifest["sites"][site_id]

    def document(self, variation: int, site_id: str) -> dict[str, Any]:
        key = (variation, site_id)
        if key not in self._docs:
            url = self.servers[variation].site_url(site_id)
            inspection = inspect_site(url, sim_settings(self.store.url), self.store, as_of=self.as_of)
            self._docs[key] = json_bytes(inspection.document)
        return orjson.loads(self._docs[key])


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VariedSites]:
    with ExitStack() as stack:
        servers = {}
        for v in VARIATIONS:
            options = SimOptions(seed=7, as_of=AS_OF, site_pages=SITE_PAGES, slow_seconds=SLOW_SECONDS, slow_ok_seconds=0.2,
                                 sites=SITES, hostile=False, variation=v)
            servers[v] = stack.enter_context(SimServer(options).running())
        store = Store(f"sqlite:///{tmp_path_factory.mktemp('varied') / 'varied.db'}")
        stack.callback(store.close)
        yield VariedSites(servers, store)


Case = tuple[int, str]


def _columns(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["url"]: c for c in doc["columns"]}


def _at(doc: dict[str, Any], kinds: set[str], url: str) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["kind"] in kinds and f["url"] == url]


def _cases(varied: VariedSites, chosen: Callable[[dict[str, Any]], bool]) -> list[Case]:
    """The (variation, site) cases whose ``variation`` entry ``chosen`` accepts (never none)."""
    cases = [case for case in CASES if chosen(varied.truth(*case)["variation"])]
    assert cases, "no site of the seeds was built with this variant"
    return cases


def _xfail(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=reason)


@pytest.mark.parametrize(("variation", "site_id"), CASES)
def test_every_site_has_every_variant_class(varied: VariedSites, variation: int, site_id: str) -> None:
    """The seeds build each class on every family (else a class test would pass vacuously)."""
    v = varied.truth(variation, site_id)["variation"]
    assert v["index"] == variation and v["channels"] and v["sitemap_only"] and v["sitemap"]
    assert v["script"] and v["downloads"] and v["board_layout"] and v["footer"]


def test_columns_below_channel_pages_are_found(varied: VariedSites) -> None:
    missed = []
    for case in CASES:
        truth, doc = varied.truth(*case), varied.document(*case)
        got = _columns(doc)
        for col in (c for c in truth["columns"] if c["channel"]):
            mine = got.get(col["url"])
            if mine is None or (mine["type"], mine["items"]) != (col["type"], col["items"]):
                missed.append((case, col["name"], col["channel"], mine and (mine["type"], mine["items"])))
        if any(f["kind"] == "no_consult_channel" for f in doc["findings"]):
            missed.append((case, "no_consult_channel reported"))
    assert missed == []


def test_columns_only_in_the_site_map_are_found(varied: VariedSites) -> None:
    missed = []
    for case in CASES:
        truth, doc = varied.truth(*case), varied.document(*case)
        got = _columns(doc)
        for col in (c for c in truth["columns"] if c["discovered_by"] == "sitemap"):
            mine = got.get(col["url"])
            want = (col["type"], col["blank"], col["items"], col["undated"])
            if mine is None or (mine["type"], mine["blank"], mine["items"], mine["undated"]) != want:
                missed.append((case, col["name"], want, mine and (mine["type"], mine["blank"], mine["items"])))
    assert missed == []


@pytest.mark.parametrize("shape", ["data", "rows", "result.records", "array"])
def test_lists_filled_by_an_external_script_are_read(varied: VariedSites, shape: str) -> None:
    """Each JSON response shape (field names vary with the seed: title/bt, pubDate/fbrq/publishTime,
    url/link/id)."""
    wrong = []
    for case in _cases(varied, lambda v: v["script"]["shape"] == shape):
        truth, doc = varied.truth(*case), varied.document(*case)
        (col,) = [c for c in truth["columns"] if c["read_via"] == "endpoint"]
        mine = _columns(doc).get(col["url"])
        fields = truth["variation"]["script"]
        if (mine is None or mine["blank"] or (mine["items"], mine["last_update"]) != (col["items"], col["newest_date"])
                or _at(doc, {"blank_column", "column_unreadable"}, col["url"])):
            wrong.append((case, fields, mine and (mine["blank"], mine["items"], mine["last_update"])))
    assert wrong == []


@pytest.mark.parametrize("mode", ["downfile", "download-utf8", "download-gbk", "bare"])
def test_attachments_behind_download_endpoints_are_read(varied: VariedSites, mode: str) -> None:
    """Personal data in attachments served by a download endpoint is found (privacy plants)."""
    missed = []
    for case in _cases(varied, lambda v: v["downloads"] == mode):
        truth, doc = varied.truth(*case), varied.document(*case)
        files = [p for p in truth["planted"] if p["kind"] == "privacy_leak" and not p["url"].endswith((".html", ".htm"))
                 and p["url"] != truth["homepage"]]
        assert files, "the privacy plants include attachments"
        for plant in files:
            got = _at(doc, {"privacy_leak"}, plant["url"])
            counts = got[0]["evidence"]["counts"] if got else {}
            if not all(counts.get(k, 0) >= n for k, n in plant["match"]["counts"].items()):
                missed.append((case, plant["url"], counts))
    assert missed == []


@pytest.mark.parametrize("layout", ["table", "dl", "cards", "qa"])
def test_message_boards_in_other_layouts_and_state_words(varied: VariedSites, layout: str) -> None:
    """Every message's finding (unanswered, late, fields unpublished; nothing on the others), whatever
    the state words (待答复 / 待回复 / 办理中 / 未答复 and 已办结 / 已回复 / 已答复); V5 iff a 3-month one."""
    wrong = []
    for case in _cases(varied, lambda v: v["board_layout"] == layout):
        truth, doc = varied.truth(*case), varied.document(*case)
        found = found_keys(doc, set(MESSAGE_KINDS.values()))
        for message in truth["interaction"]["messages"]:
            kind = MESSAGE_KINDS.get(message["expect"])
            got = {k for k in found if k[1] == message["url"]}
            if got != ({(kind, message["url"], "")} if kind else set()):
                wrong.append((case, truth["variation"]["state_words"], message["expect"], message["url"], got))
        vetoed = any(veto["id"] == "V5" for veto in doc["vetoes"])
        if vetoed is not any(m["expect"] == "unanswered" for m in truth["interaction"]["messages"]):
            wrong.append((case, "V5", vetoed))
    assert wrong == []


def _footer_wrong(varied: VariedSites, cases: list[Case], items: set[str]) -> list[Any]:
    """Cases whose footer findings about ``items`` differ from the planted ones."""
    wrong = []
    for case in cases:
        truth, doc = varied.truth(*case), varied.document(*case)
        found = {(f["kind"], f["evidence"]["item"], f["evidence"]["problem"]) for f in doc["findings"]
                 if f["kind"].startswith("footer_item_") and f["evidence"]["item"] in items}
        planted = {(p["kind"], p["match"]["item"], p["match"]["problem"]) for p in truth["planted"]
                   if p["kind"].startswith("footer_item_") and p["match"]["item"] in items}
        if found != planted:
            wrong.append((case, truth["variation"]["footer"], sorted(found), sorted(planted)))
    return wrong


def test_footer_icp_numbers_with_a_10_digit_serial(varied: VariedSites) -> None:
    """粤ICP备2021067890号-1 style numbers (and 8-digit ones) in any order, one line or several."""
    cases = _cases(varied, lambda v: v["footer"]["icp_serial10"])
    assert _footer_wrong(varied, cases, {"icp"}) == []


def test_footer_site_code_as_text_in_any_order(varied: VariedSites) -> None:
    cases = _cases(varied, lambda v: v["footer"]["site_code_form"] == "text")
    assert _footer_wrong(varied, cases, {"site_code", "jiucuo"}) == []


def test_footer_site_code_as_image_alt(varied: VariedSites) -> None:
    cases = _cases(varied, lambda v: v["footer"]["site_code_form"] == "image-alt")
    assert _footer_wrong(varied, cases, {"site_code", "jiucuo"}) == []


@pytest.mark.parametrize("wording", [
    "{abbr}公网安备{code}号",
    "{abbr}公网安备案号：{code}",
    "公安机关备案号：{abbr}公网安备{code}号",
])
def test_footer_police_record_wordings(varied: VariedSites, wording: str) -> None:
    cases = _cases(varied, lambda v: v["footer"]["police_wording"] == wording)
    assert _footer_wrong(varied, cases, {"police_record"}) == []


def test_every_planted_finding_holds_under_variation(varied: VariedSites) -> None:
    """Every finding the manifest lists is reported (kind + URL), and no other of the kinds whose
    every instance it lists (``COMPLETE_KINDS``)."""
    wrong = []
    for case in CASES:
        truth, doc = varied.truth(*case), varied.document(*case)
        expected = expected_keys(truth)
        found = found_keys(doc, planted_kinds(truth)) - suspected_links(truth)
        unplanted = {key for key in found - expected if key[0] in COMPLETE_KINDS}  # others: recall only
        if expected - found or unplanted:
            wrong.append((case, "missed", sorted(expected - found), "unplanted", sorted(unplanted)))
    assert wrong == []
