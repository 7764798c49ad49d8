"""End-to-end over construction variation, issue 16 classes 7 and 8, on variation seeds 1, 2 and 3
of every CMS family (``SimOptions(variation=N)``, docs/simulator.md):

- class 7, ``--as-of`` before the day of the crawl: the simulator is built for an as-of 20 days
  before today (Asia/Shanghai), so its forged dates lie 40 days after *today* (``SimOptions.today``),
  and each site is inspected with that as-of. The planted future-dated items are future_date
  findings, nothing else is, and blank/stale columns follow the manifest at that as-of. Some
  columns (``variation.later_columns``) also hold items dated between the as-of and today
  (``later_items``): real, not forged (no future_date), and no update at the as-of (the column's
  figures are those of its items dated on or before it).
- class 8, registry identity: each site is registered under another 网站标识码 and name than its
  footer shows. The inspection JSON and HTML report name the site as the registry does, and the
  footer's valid 网站标识码 (and its 找错 entry's code) are ``mismatch`` findings against the
  registry's (a footer code planted as a placeholder stays ``invalid``).

The simulator's own registry file (``govwatch.sim.registry_sheet``) is adapted here: under variation
its 公安机关备案号 keeps the footer's wording, which the registry importer rightly rejects.

Sites are small (200 pages), inspected once per class with rendering off.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date, timedelta
from typing import Any

import pytest

from govwatch.registry.importer import import_file
from govwatch.report.html import render_html
from govwatch.sim import SimOptions, SimServer
from govwatch.sim.expected import found_keys
from govwatch.sim.options import today_shanghai
from govwatch.sim.registry_sheet import HEADERS, registry_rows
from govwatch.store.db import Store
from tests.conftest import SLOW_SECONDS
from tests.e2e.test_columns_sim import expected_expiry
from tests.e2e.test_variation_sim import SITE_PAGES, SITES, VARIATIONS, VariedSites

CASES = [(v, s.id) for v in VARIATIONS for s in SITES]
TODAY = today_shanghai()
EARLY_AS_OF = TODAY - timedelta(days=20)
REGISTERED_NAME = "登记名称测试{site}{variation}号网站"

# A footer wording of the 公安机关备案号 (``SimOptions.variation`` picks one; the manifest keeps it as shown).
_POLICE_RECORD = re.compile(r"([\u4e00-\u9fff])公网安备\D*(\d{14})")


def registry_police_record(shown: str) -> str:
    """The 公安机关备案号 as a registry keeps it (``浙公网安备33010002497778号``), whatever the footer wording."""
    match = _POLICE_RECORD.search(shown)
    assert match, shown
    return f"{match[1]}公网安备{match[2]}号"


def other_site_code(code: str) -> str:
    """A valid 网站标识码 of the same division (or ``bm`` prefix) that differs from ``code``."""
    serial = int(code[-4:])
    return code[:-4] + f"{(serial + 4321) % 9000 + 1000:04d}"


def _serve(stack: ExitStack, as_of: date) -> dict[int, SimServer]:
    servers = {}
    for v in VARIATIONS:
        options = SimOptions(seed=7, as_of=as_of, site_pages=SITE_PAGES, slow_seconds=SLOW_SECONDS,
                             slow_ok_seconds=0.2, sites=SITES, hostile=False, variation=v)
        servers[v] = stack.enter_context(SimServer(options).running())
    return servers


@pytest.fixture(scope="module")
def early(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VariedSites]:
    """Class 7: sites built for, and inspected at, an as-of 20 days before today."""
    with ExitStack() as stack:
        servers = _serve(stack, EARLY_AS_OF)
        store = Store(f"sqlite:///{tmp_path_factory.mktemp('early') / 'early.db'}")
        stack.callback(store.close)
        yield VariedSites(servers, store, EARLY_AS_OF)


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VariedSites]:
    """Class 8: every site registered (before its inspection) under another code and name."""
    with ExitStack() as stack:
        servers = _serve(stack, TODAY)
        folder = tmp_path_factory.mktemp("registered")
        store = Store(f"sqlite:///{folder / 'registered.db'}")
        stack.callback(store.close)
        for v, server in servers.items():
            rows = registry_rows(server.options, server.manifest)
            for row, spec in zip(rows, SITES, strict=True):
                row["网站名称"] = REGISTERED_NAME.format(site=spec.id, variation=v)
                row["网站标识码"] = other_site_code(row["网站标识码"])
                row["公安机关备案号"] = registry_police_record(row["公安机关备案号"])
            path = folder / f"registry-{v}.csv"
            with path.open("w", encoding="utf-8", newline="") as out:
                writer = csv.DictWriter(out, fieldnames=HEADERS)
                writer.writeheader()
                writer.writerows(rows)
            result = import_file(store, path)
            assert not result.problems and result.imported, (path, result.problems)
        yield VariedSites(servers, store, TODAY)


def _forged_dates_not_after_today(early: VariedSites) -> list[Any]:
    """The setup: every site plants one future item, dated after today (not only after as-of)."""
    wrong = []
    for case in CASES:
        planted = [f for c in early.truth(*case)["columns"] for f in c["future_items"]]
        if len(planted) != 1 or any(date.fromisoformat(f["date"]) <= TODAY for f in planted):
            wrong.append((case, planted))
    return wrong


def _future_dates_wrong(early: VariedSites) -> list[Any]:
    """Every planted forged date is a future_date finding and nothing else is: no item dated after
    the as-of but not after the crawl day is called future."""
    wrong = []
    for case in CASES:
        truth, doc = early.truth(*case), early.document(*case)
        assert doc["as_of"] == EARLY_AS_OF.isoformat()
        planted = {("future_date", f["url"], "") for c in truth["columns"] for f in c["future_items"]}
        found = found_keys(doc, {"future_date"})
        not_future = [(f["url"], f["evidence"]["date"]) for f in doc["findings"]
                      if f["kind"] == "future_date" and date.fromisoformat(f["evidence"]["date"]) <= TODAY]
        if found != planted or not_future:
            wrong.append((case, "missed", sorted(planted - found), "unplanted", sorted(found - planted), not_future))
    return wrong


def _later_items_wrong(early: VariedSites) -> list[Any]:
    """The setup and the class: every site holds items dated after the as-of but not after today
    (``later_items``), none of them is called future (no future_date finding, no future PubDate)."""
    wrong = []
    for case in CASES:
        truth, doc = early.truth(*case), early.document(*case)
        later = {f["url"]: f["date"] for c in truth["columns"] for f in c["later_items"]}
        if not later or not all(EARLY_AS_OF < date.fromisoformat(d) <= TODAY for d in later.values()):
            wrong.append((case, "setup", later))
        called_future = [(f["kind"], f["url"]) for f in doc["findings"] if f["url"] in later and (
            f["kind"] == "future_date" or (f["kind"] == "meta_tag_invalid" and f["evidence"].get("problem") == "future"))]
        if called_future:
            wrong.append((case, "called future", called_future))
    return wrong


def _columns_wrong(early: VariedSites) -> list[Any]:
    """Blank columns as the manifest says; stale iff the newest item dated on or before the as-of
    (``newest_date``: later items never count) had its window end before the as-of; the column's
    figures (days left, future items) leave the later items out, its item count holds them."""
    wrong = []
    for case in CASES:
        truth, doc = early.truth(*case), early.document(*case)
        got = {c["url"]: c for c in doc["columns"]}
        flagged = {kind: {f["url"] for f in doc["findings"] if f["kind"] == kind}
                   for kind in ("blank_column", "stale_column")}
        for col in truth["columns"]:
            mine = got.get(col["url"])
            if mine is None:
                wrong.append((case, col["name"], "not found"))
                continue
            newest = date.fromisoformat(col["newest_date"]) if col["newest_date"] else None
            expiry = expected_expiry(col["type"], newest) if newest else None
            stale = None if col["blank"] or expiry is None else expiry < EARLY_AS_OF
            want: tuple[Any, ...] = (col["blank"], col["newest_date"], bool(stale), col["blank"], bool(stale))
            have: tuple[Any, ...] = (mine["blank"], mine["last_update"], bool(mine["stale"]),
                                     col["url"] in flagged["blank_column"], col["url"] in flagged["stale_column"])
            if col["later_items"]:  # the figures of a column holding later items
                days_left = (expiry - EARLY_AS_OF).days if expiry else None
                want += (days_left, len(col["future_items"]), col["items"])
                have += (mine["days_left"], mine["future_items"], mine["items"])
            if have != want:
                wrong.append((case, col["name"], col["type"], "want", want, "have", have))
    return wrong


def test_as_of_before_the_crawl_day(early: VariedSites) -> None:
    """Class 7. One test, so that under xdist one worker inspects the nine sites (module fixture)."""
    wrong = {"forged dates not after today": _forged_dates_not_after_today(early),
             "future_date findings": _future_dates_wrong(early),
             "items after the as-of, not after today": _later_items_wrong(early),
             "homepage newest after the as-of": [case for case in CASES if (early.document(*case)["homepage"]["newest"]
                                                                            or "") > EARLY_AS_OF.isoformat()],
             "blank/stale columns": _columns_wrong(early)}
    assert wrong == {key: [] for key in wrong}


def _names_wrong(registered: VariedSites) -> list[Any]:
    """The inspection JSON and the HTML report name the site as the registry does, not its footer."""
    wrong = []
    for v, site_id in CASES:
        truth, doc = registered.truth(v, site_id), registered.document(v, site_id)
        name = REGISTERED_NAME.format(site=site_id, variation=v)
        code = other_site_code(truth["site_code"])
        html = render_html(doc)
        if (doc["site"]["name"], doc["site"]["site_code"]) != (name, code) or name not in html:
            wrong.append(((v, site_id), doc["site"], name in html))
    return wrong


def _footer_codes(truth: dict[str, Any]) -> dict[str, str | None]:
    """The codes the footer shows as valid ones, per item (manifest): the 网站标识码 unless a
    site-code problem is planted (a placeholder: invalid, not a mismatch), and the 找错 entry's
    unless it is planted invalid (the footer's placeholder repeated)."""
    planted = {(p["match"]["item"], p["match"]["problem"]): p["match"] for p in truth["planted"]
               if p["kind"].startswith("footer_item_")}
    jiucuo = planted.get(("jiucuo", "mismatch"), {}).get("observed", truth["site_code"])
    if ("jiucuo", "invalid") in planted:
        jiucuo = None
    has_code_problem = any(item == "site_code" for item, _ in planted)
    return {"site_code": None if has_code_problem else truth["site_code"], "jiucuo": jiucuo}


def _mismatches_wrong(registered: VariedSites) -> list[Any]:
    """The footer's 网站标识码 (and its 找错 entry's code) are ``mismatch`` findings: the footer's
    code observed, the registry's expected. A footer code planted invalid (a placeholder) stays
    an ``invalid`` finding, never a mismatch."""
    wrong, mismatches = [], 0
    for v, site_id in CASES:
        truth, doc = registered.truth(v, site_id), registered.document(v, site_id)
        code = other_site_code(truth["site_code"])
        for item, shown in _footer_codes(truth).items():
            got = [(f["evidence"]["observed"], f["evidence"]["expected"], f["evidence"]["site_code_source"])
                   for f in doc["findings"] if f["kind"] == "footer_item_invalid"
                   and (f["evidence"]["item"], f["evidence"]["problem"]) == (item, "mismatch")]
            mismatches += item == "site_code" and shown is not None
            if got != ([(shown, code, "registry")] if shown else []):
                wrong.append(((v, site_id), item, truth["variation"]["footer"], shown, got))
    if not mismatches:
        wrong.append("no site of the seeds shows its own 网站标识码 in the footer")
    return wrong


def test_registry_identity_overrides_the_footer(registered: VariedSites) -> None:
    """Class 8. One test, so that under xdist one worker inspects the nine sites (module fixture)."""
    wrong = {"site name and code": _names_wrong(registered), "footer mismatches": _mismatches_wrong(registered)}
    assert wrong == {key: [] for key in wrong}
