"""End-to-end over construction variation: a site that cannot be read is never a pass (issue 16,
class 1), on simulated sites of every CMS family, variation seeds 1, 2 and 3.

Each seed's simulator serves, per family, one site in every unreadable access mode
(``SiteSpec.access``: refused, unavailable, challenge, challenge-after-home, failing) and one open
site. Every unreadable site is inspected once and judged against the manifest's ``access`` truth:
the run is incomplete in the store and the JSON with the expected reason code, a ``site_unreadable``
finding says why, no verdict, no score, no deduction indicator assessed, and the report's first
page says the check is incomplete (``assert_incomplete`` of the ad-hoc-server tests). The open site
of the same server stays complete.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from govwatch.crawl.challenge import is_blocked
from govwatch.crawl.coverage import is_read
from govwatch.sim import SimOptions, SimServer, SiteSpec
from govwatch.sim.access import ACCESS_MODES
from govwatch.store.stored_run import StoreRunData
from tests.conftest import AS_OF
from tests.e2e.test_unreadable_site import assert_incomplete, cover_text, inspect

VARIATIONS = (1, 2, 3)
FAMILIES = ("trs", "jcms", "legacy")
MODES = tuple(m for m in ACCESS_MODES if m != "open")
SITE_PAGES = 120


def site_id(family: str, mode: str) -> str:
    return f"{family}_{mode.replace('-', '_')}"


SITES = tuple(SiteSpec(site_id(family, mode), family, "host", access=mode)  # type: ignore[arg-type]
              for family in FAMILIES for mode in ACCESS_MODES)


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[int, SimServer]]:
    with ExitStack() as stack:
        yield {v: stack.enter_context(SimServer(SimOptions(seed=7, as_of=AS_OF, site_pages=SITE_PAGES, sites=SITES,
                                                           hostile=False, variation=v)).running())
               for v in VARIATIONS}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("variation", VARIATIONS)
def test_an_unreadable_site_is_never_a_pass(servers: dict[int, SimServer], tmp_path: Path, variation: int,
                                            family: str, mode: str) -> None:
    server = servers[variation]
    sid = site_id(family, mode)
    truth = server.manifest["sites"][sid]
    access = truth["access"]
    assert access["mode"] == mode and truth["variation"]["index"] == variation
    inspection, store = inspect(server.site_url(sid), tmp_path)
    try:
        finding = assert_incomplete(inspection, store, access["incomplete"])
        evidence = finding["evidence"]
        coverage = inspection.document["coverage"]
        fetches = StoreRunData(store, inspection.run_id).fetches
        if access["incomplete"] == "crawl.homepage_failed":
            _assert_homepage_failed(access, evidence, finding["message"], inspection.document, coverage)
        else:  # the homepage was read, the pages behind it were not
            assert evidence["homepage_status"] == 200 and evidence["homepage_blocked"] is False
            assert evidence["read_share"] < evidence["min_read_share"] == 0.5
            assert (f"只读取了发现的{coverage['pages_found']}个页面中的{coverage['pages_read']}个"
                    in cover_text(inspection.document))
            unread = [row for row in fetches.values() if row.get("role") == "page" and not is_read(row)]
            assert len(unread) == coverage["pages_found"] - coverage["pages_read"] > 0
            if mode == "challenge-after-home":
                assert coverage["pages_blocked"] == len(unread)
                assert all(is_blocked(row) and f"({access['vendor']}:" in row["error_detail"] for row in unread)
                assert all(row["status"] == access["status"] for row in unread)
            else:  # failing
                assert coverage["pages_blocked"] == 0
                assert {row["status"] for row in unread} == {access["status"]}
    finally:
        store.close()


def _assert_homepage_failed(access: dict[str, Any], evidence: dict[str, Any], message: str,
                            document: dict[str, Any], coverage: dict[str, Any]) -> None:
    """The homepage did not open: no answer (refused), 503, or a WAF challenge in its place."""
    mode = access["mode"]
    if mode == "refused":
        assert evidence["homepage_error"] == "connect" and evidence["homepage_status"] is None
        assert "首页无法打开：无法建立连接" in cover_text(document)
        return
    assert evidence["homepage_status"] == access["status"]
    if mode == "unavailable":
        assert evidence["homepage_blocked"] is False
        assert "首页无法打开：服务器返回错误状态 HTTP 503" in cover_text(document)
        return
    assert evidence["homepage_blocked"] is True and coverage["pages_blocked"] == 1
    assert f"（{access['vendor']}，HTTP {access['status']}）" in message and "防火墙" in message
    assert document["site"]["name"] is None  # the challenge page is not judged as the site's homepage


@pytest.mark.parametrize("family", FAMILIES)
def test_the_open_site_of_the_same_server_stays_complete(servers: dict[int, SimServer], tmp_path: Path,
                                                         family: str) -> None:
    server = servers[VARIATIONS[0]]
    sid = site_id(family, "open")
    assert server.manifest["sites"][sid]["access"]["incomplete"] is None
    inspection, store = inspect(server.site_url(sid), tmp_path)
    try:
        doc = inspection.document
        assert store.run(inspection.run_id)["complete"] is True
        assert doc["complete"] is True and doc["incomplete_reasons"] == []
        assert not [f for f in doc["findings"] if f["kind"] == "site_unreadable"]
        assert doc["verdict"] is not None and "不完整" not in cover_text(doc)
    finally:
        store.close()
