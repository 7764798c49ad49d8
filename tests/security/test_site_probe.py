"""The site measurement step inside ``inspect_site``: a crawl of a real local site, facts stored, findings judged.

- an HTTPS site (test CA) whose pages load an http:// image and script → mixed_content (judged
  from the stored links, also for a run stored with the old ``mixed_content`` run fact);
- a site that shows Baiduspider gambling spam → cloaking; the same page to everyone → none;
- a spider refused by a WAF → no finding.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from govwatch.core.settings import Settings, load_settings
from govwatch.pipeline import check_and_report, inspect_site
from govwatch.store.db import Store
from tests.conftest import AS_OF
from tests.security.conftest import PROBE_TIMEOUT
from tests.security.pki import TestPKI
from tests.security.servers import page, port_of, serve, static

SPIDER = "Baiduspider"


def _settings(db: Path, **security: Any) -> Settings:
    return load_settings(overrides={
        "crawl": {"concurrency": 4, "per_host_rate": 0, "timeout": PROBE_TIMEOUT, "connect_timeout": PROBE_TIMEOUT,
                  "retries": 0, "timeout_retries": 0, "network": "offline", "extract_workers": 0},
        "store": {"url": f"sqlite:///{db}"}, "render": {"enabled": False},
        "security": {"timeout": PROBE_TIMEOUT, **security}}, environ={})


def _inspect(url: str, settings: Settings) -> tuple[dict[str, Any], Store, int]:
    store = Store(settings.store.url)
    inspection = inspect_site(url, settings, store, as_of=AS_OF)
    return inspection.document, store, inspection.run_id


def _status(doc: dict[str, Any], check: str) -> str:
    return next(c["status"] for c in doc["checks"] if c["name"] == check)


def _of_kind(doc: dict[str, Any], *kinds: str) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["kind"] in kinds]


def test_https_site_with_http_resources_has_mixed_content(pki: TestPKI, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # The crawler trusts the system CAs; SSL_CERT_FILE points OpenSSL at the test root instead.
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.root_file))
    with serve(static({"/logo.png": (200, {"Content-Type": "image/png"}, b"\x89PNG")})) as images:
        image = f"http://127.0.0.1:{port_of(images)}/logo.png"
        canonical = f"http://127.0.0.1:{port_of(images)}/"
        with serve(lambda p, h: pages(p), ctx=pki.leaf().server_context()) as site:
            home = f"https://127.0.0.1:{port_of(site)}/"
            script = f"http://127.0.0.1:{port_of(site)}/js/app.js"

            def pages(path: str) -> tuple[int, dict[str, str], bytes]:
                body = {"/": f"<a href='/a1.html'>通知</a><a href='http://www.example.org/'>外链</a>"
                             f"<img src='{image}'><script src='{script}'></script>",
                        "/a1.html": f"<h1>通知</h1><p>正文</p><img src='{image}'>"}.get(path)
                if body is None:
                    return 404, {}, page("404", "")
                return 200, {}, page("门户", f"<link rel='canonical' href='{canonical}'>{body}")

            doc, store, run_id = _inspect(home, _settings(tmp_path / "g.db", ca_file=str(pki.root_file)))
    assert doc["pages"]["crawled"] >= 2
    # the site measurements, beside the crawl's own coverage (run fact "crawl"); mixed content needs no probe
    assert set(store.run_facts(run_id)) == {"crawl", "transport", "ipv6", "cloaking", "accessibility", "counterfeit",
                                            "site_search"}
    mixed = {f["target"]: f for f in _of_kind(doc, "mixed_content")}
    assert set(mixed) == {image, script}  # not the canonical <link>, not the <a> hyperlink
    assert mixed[script]["code"] == "mixed_content.active" and mixed[script]["url"] == home
    assert mixed[image]["code"] == "mixed_content.passive" and mixed[image]["evidence"]["pages"] == 2
    assert mixed[image]["evidence"]["https_pages"] == 2 and mixed[image]["evidence"]["examples"][0] == home
    assert _of_kind(doc, "tls_problem", "no_https") == []
    assert _status(doc, "transport.tls") == "ok" and _status(doc, "transport.ipv6") == "not_assessed"
    # A run stored when mixed content was a probe fact: checked again, it is judged from its links.
    store.put_run_fact(run_id, "mixed_content", {"https_pages": 0, "resources": [], "resource_count": 0})
    again = check_and_report(store, run_id)
    assert _of_kind(again, "mixed_content") == _of_kind(doc, "mixed_content")
    store.close()


HOME_BODY = "<p>欢迎访问本市政府门户网站。</p><a href='/list/index.html'>通知公告</a><a href='/art/1.html'>关于开展检查的通知</a>"
SPAM = ("<p>澳门赌场 百家乐 真人娱乐城 天天返水</p>"
        "<a href='http://spam.example.com/'>博彩官网</a>")


def _site(spider_page: bytes | None, spider_status: int = 200) -> Any:
    pages = {"/": page("某市人民政府", HOME_BODY),
             "/list/index.html": page("通知公告", "<ul><li><a href='/art/1.html'>关于开展检查的通知</a> 2026-11-20</li></ul>"),
             "/art/1.html": page("关于开展检查的通知", "<h1>关于开展检查的通知</h1><p>发布日期：2026-11-20</p><p>正文。</p>")}

    def route(path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if path == "/" and SPIDER in headers.get("user-agent", "") and spider_page is not None:
            return spider_status, {}, spider_page
        return (200, {}, pages[path]) if path in pages else (404, {}, page("404", ""))
    return route


def test_spam_shown_only_to_baiduspider_is_cloaking(tmp_path: Path) -> None:
    spam_home = page("某市人民政府_澳门赌场_在线赌博", HOME_BODY + SPAM)
    with serve(_site(spam_home)) as site:
        home = f"http://127.0.0.1:{port_of(site)}/"
        doc, store, run_id = _inspect(home, _settings(tmp_path / "g.db"))
        user_agents = {ua for path, ua in site.requests if path == "/"}
    assert any(SPIDER in ua for ua in user_agents) and any("govwatch" in ua for ua in user_agents)
    [finding] = _of_kind(doc, "cloaking", "cloaking_suspected")
    assert (finding["kind"], finding["code"], finding["url"]) == ("cloaking", "cloaking.spam", home)
    terms = {t["term"] for t in finding["evidence"]["terms"]}
    assert {"澳门赌场", "在线赌博", "百家乐"} <= terms
    assert finding["evidence"]["user_agent"] == "Baiduspider"
    assert finding["evidence"]["title"] == "某市人民政府_澳门赌场_在线赌博"
    assert finding["evidence"]["spider_only_links"] == [{"url": "http://spam.example.com/", "text": "博彩官网"}]
    assert "澳门赌场" in finding["evidence"]["diff"]
    sample = store.run_facts(run_id)["cloaking"]
    assert sample["pages"][0]["url"] == home and sample["sample"] >= 2
    assert all(p["compared"] for p in sample["pages"])
    # The table's V1 veto (被挂马、篡改) names cloaking.
    assert any(finding["id"] in v["findings"] for v in doc["vetoes"])
    store.close()


def test_same_page_for_everyone_is_no_cloaking(tmp_path: Path) -> None:
    with serve(_site(None)) as site:
        doc, store, _ = _inspect(f"http://127.0.0.1:{port_of(site)}/", _settings(tmp_path / "g.db"))
    assert _of_kind(doc, "cloaking", "cloaking_suspected") == []
    assert _status(doc, "cloaking.spider") == "ok"
    # An http-only site: no HTTPS is a finding, its certificate is not assessed.
    assert [f["code"] for f in _of_kind(doc, "no_https")] == ["transport.no_https"]
    assert _status(doc, "transport.tls") == "not_assessed"
    assert _status(doc, "transport.mixed_content") == "not_assessed"
    store.close()


def test_spider_refused_by_a_waf_is_no_cloaking(tmp_path: Path) -> None:
    with serve(_site(page("403 Forbidden", "<p>访问被拒绝</p>"), spider_status=403)) as site:
        doc, store, _ = _inspect(f"http://127.0.0.1:{port_of(site)}/", _settings(tmp_path / "g.db"))
    assert _of_kind(doc, "cloaking", "cloaking_suspected") == []
    store.close()


def test_a_different_title_without_spam_is_only_suspected(tmp_path: Path) -> None:
    with serve(_site(page("某市人民政府门户网站首页", HOME_BODY))) as site:
        doc, store, _ = _inspect(f"http://127.0.0.1:{port_of(site)}/", _settings(tmp_path / "g.db"))
    [finding] = _of_kind(doc, "cloaking", "cloaking_suspected")
    assert (finding["kind"], finding["severity"]) == ("cloaking_suspected", "warning")
    assert not any(finding["id"] in v["findings"] for v in doc["vetoes"])
    store.close()


def test_disabled_probes_store_nothing_and_are_not_assessed(tmp_path: Path) -> None:
    with serve(_site(None)) as site:
        doc, store, run_id = _inspect(f"http://127.0.0.1:{port_of(site)}/",
                                      _settings(tmp_path / "g.db", enabled=False))
    assert set(store.run_facts(run_id)) == {"crawl"}  # the crawl's coverage only: no site measurement
    for check in ("transport.https", "transport.tls", "transport.ipv6", "transport.mixed_content", "cloaking.spider"):
        assert _status(doc, check) == "not_assessed"
    store.close()
