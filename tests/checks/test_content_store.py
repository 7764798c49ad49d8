"""The content and privacy checks over a real stored crawl of the simulator: bodies of pages
and attachments come back from the store, and only the simulator's planted content raises findings."""

from __future__ import annotations

from typing import Any

from govwatch.analysis.content.attachments import attachment_format
from govwatch.checks import run_checks
from govwatch.extract.text import page_text_from_body
from govwatch.pipeline import inspect_site
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData
from tests.conftest import AS_OF, sim_settings


def test_checks_read_stored_bodies_without_false_positives(sim: Any, store: Store) -> None:
    inspection = inspect_site(sim.site_url("trs"), sim_settings(store.url), store, as_of=AS_OF)
    data = StoreRunData(store, inspection.run_id)
    articles = {url for url, _facts in data.pages(page_type="article")}
    bodies = {url: (body, ctype) for url, _title, body, ctype in data.page_bodies()}
    assert articles and articles <= set(bodies), "every crawled article's body comes back from the store"
    url = min(articles)
    assert bodies[url][0] == data.body(url)
    text = page_text_from_body(*bodies[url])
    assert len(text.text) > 50 and "<" not in text.text
    attachments = [u for u, _row in data.attachments() if data.body(u)]
    assert attachments, "the crawl stores attachment bodies"
    assert any(attachment_format(u) for u in attachments)
    findings, runs = run_checks(data, ["wording", "banned_content", "personal_data"])
    assert [r.status for r in runs] == ["ok", "ok", "ok"], [r.error for r in runs]
    # Exactly the content defects the simulator plants (manifest "planted"; evidence: tests/e2e/test_content_sim.py).
    kinds = ("wording_error", "typo", "banned_content", "privacy_leak")
    planted = {(p["kind"], p["url"]) for p in sim.manifest["sites"]["trs"]["planted"]
               if p["kind"] in kinds and "needs" not in p}
    assert planted and {(f.kind, f.url) for f in findings if f.kind != "attachment_unreadable"} == planted
