"""End-to-end: a footer written by JavaScript is read from the rendered page.

A small real site on 127.0.0.1 (Python's threading HTTP server over a folder): every page holds
an empty ``<div id="footer">`` that ``/footer.js`` fills with the whole 页面底部功能区. With
rendering on, the footer check judges the rendered footers (complete: no finding); with
rendering off it reports the footer not assessed instead of every item missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govwatch.pipeline import inspect_site
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData
from tests.conftest import AS_OF, sim_settings
from tests.e2e.local_http import serve_folder

FOOTER_JS = """document.getElementById("footer").innerHTML =
  '<a href="https://bszs.conac.cn/sitename?method=show&id=0AB1C2D3E4F5">党政机关</a>' +
  '<p>主办单位：某县人民政府办公室 联系电话：0311-1234567</p>' +
  '<p>网站标识码：1304000009 冀ICP备05070218号-1 冀公网安备13010202000123号</p>' +
  '<a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=1304000009">我为政府网站找错</a>';
"""


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
            f"<meta name='SiteName' content='某县人民政府'><meta name='SiteIDCode' content='1304000009'></head>"
            f"<body><h1>{title}</h1>{body}<div id='footer'></div>"
            "<script src='/footer.js'></script></body></html>")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("script-footer")
    links = "".join(f"<li><a href='/a{i}.html'>工作动态{i}</a><span>2026-11-2{i}</span></li>" for i in range(1, 4))
    (root / "index.html").write_text(_page("某县人民政府", f"<ul>{links}</ul>"), encoding="utf-8")
    for i in range(1, 4):
        (root / f"a{i}.html").write_text(_page(f"工作动态{i}", f"<p>发布时间：2026-11-2{i}</p><p>正文。</p>"),
                                         encoding="utf-8")
    (root / "footer.js").write_text(FOOTER_JS, encoding="utf-8")
    with serve_folder(root) as base:
        yield f"{base}/index.html"


def _inspect(url: str, tmp_path: Path, render: bool) -> tuple[dict[str, Any], StoreRunData]:
    store = Store(f"sqlite:///{tmp_path / 'footer.db'}")
    inspection = inspect_site(url, sim_settings(store.url, render=render), store, as_of=AS_OF)
    return inspection.document, StoreRunData(store, inspection.run_id)


def _footer_check(doc: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in doc["checks"] if c["name"] == "footer_identity")


def test_a_script_written_footer_is_read_from_the_rendered_page(site: str, tmp_path: Path) -> None:
    doc, data = _inspect(site, tmp_path, render=True)
    assert doc["pages"]["crawled"] == 4 and doc["crawl"]["rendered"] == 4 and doc["crawl"]["render_failed"] == 0
    footer = data.homepage()["footer"]  # type: ignore[index]
    assert footer["site_code"] == "1304000009" and footer["icp"] == "冀ICP备05070218号-1"
    assert footer["conac"] and footer["jiucuo_site_code"] == "1304000009"
    assert _footer_check(doc)["status"] == "ok"
    assert [f for f in doc["findings"] if f["kind"].startswith("footer_item")] == []


def test_without_rendering_a_script_written_footer_is_not_assessed(site: str, tmp_path: Path) -> None:
    doc, data = _inspect(site, tmp_path, render=False)
    assert doc["crawl"]["rendered"] == 0
    assert data.homepage()["footer_by_script"] is True  # type: ignore[index]
    assert _footer_check(doc)["status"] == "not_assessed"
    assert [f for f in doc["findings"] if f["kind"].startswith("footer_item")] == []
