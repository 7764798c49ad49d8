"""Class 8 (issue 16): a registered site's documents carry the registry's 网站名称 and 网站标识码.

A real site on 127.0.0.1 whose footer and meta tags show another name and code than the
registry's record: the inspection JSON ``site``, the HTML report's title and cover, the bulletin's
row and the workbook's cover show the registry's; the footer's other code is the identity
check's mismatch finding (footer_item_invalid, identity.footer.site_code.mismatch).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
from openpyxl import load_workbook

from govwatch.pipeline import Inspection, inspect_site
from govwatch.registry.importer import import_file
from govwatch.report.bulletin import unit_row
from govwatch.report.html import render_html
from govwatch.report.view import build_view
from govwatch.report.xlsx import build_workbook
from govwatch.store.db import Store
from tests.conftest import AS_OF, sim_settings
from tests.e2e.local_http import serve_folder, write_pages
from tests.registry.registry_helpers import write_csv

REGISTRY_NAME, REGISTRY_CODE = "青山县人民政府", "4501210001"
FOOTER_NAME, FOOTER_CODE = "某某县人民政府门户网站", "1304000009"

FOOTER = ("<div class='footer'><p>主办单位：某某县人民政府办公室 联系电话：0311-1234567</p>"
          f"<p>网站标识码：{FOOTER_CODE} 冀ICP备05070218号-1 冀公网安备13010202000123号</p></div>")


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
            f"<meta name='SiteName' content='{FOOTER_NAME}'><meta name='SiteIDCode' content='{FOOTER_CODE}'></head>"
            f"<body><h1>{title}</h1>{body}{FOOTER}</body></html>")


@pytest.fixture(scope="module")
def inspected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Inspection, Path]]:
    root = tmp_path_factory.mktemp("registered-site")
    links = "".join(f"<li><a href='/a{i}.html'>工作动态{i}</a><span>2026-11-2{i}</span></li>" for i in range(1, 4))
    write_pages(root, {"index.html": _page(FOOTER_NAME, f"<ul>{links}</ul>"),
                       **{f"a{i}.html": _page(f"工作动态{i}", f"<p>发布时间：2026-11-2{i}</p>") for i in range(1, 4)}})
    with serve_folder(root) as base:
        url = f"{base}/"
        store = Store(f"sqlite:///{root / 'g.db'}")
        registry = write_csv(root / "sites.csv", [[
            REGISTRY_NAME, url, "青山县人民政府办公室", REGISTRY_CODE, "", "", "本级门户", "县级", "450121", "青山县", "",
            "", "0771-1234567", "正常", "是"]])
        result = import_file(store, registry)
        assert result.created == 1 and not result.problems, result.problems
        yield inspect_site(url, sim_settings(store.url), store, as_of=AS_OF), root


def test_the_json_site_is_the_registry_s(inspected: tuple[Inspection, Path]) -> None:
    doc = inspected[0].document
    assert doc["site"]["name"] == REGISTRY_NAME
    assert doc["site"]["site_code"] == REGISTRY_CODE


def test_the_html_title_and_cover_show_the_registry_s(inspected: tuple[Inspection, Path]) -> None:
    tree = lxml.html.fromstring(render_html(inspected[0].document))
    assert tree.findtext(".//title") == f"网站检查报告 · {REGISTRY_NAME}"
    cover = tree.xpath("//section[@class='cover']")[0].text_content()
    assert REGISTRY_NAME in cover and REGISTRY_CODE in cover
    assert FOOTER_NAME not in cover and FOOTER_CODE not in cover


def test_the_bulletin_row_and_workbook_show_the_registry_s(inspected: tuple[Inspection, Path]) -> None:
    inspection, root = inspected
    assert unit_row(inspection.document).name == REGISTRY_NAME
    path = root / "self-check.xlsx"
    build_workbook(build_view(inspection.document)).save(path)
    cells = [c for row in load_workbook(path).worksheets[0].iter_rows(values_only=True) for c in row if c]
    assert REGISTRY_NAME in cells and REGISTRY_CODE in cells
    assert FOOTER_CODE not in cells


def test_the_footer_s_other_code_is_an_identity_finding(inspected: tuple[Inspection, Path]) -> None:
    found = [f for f in inspected[0].document["findings"] if f["code"] == "identity.footer.site_code.mismatch"]
    assert found and found[0]["kind"] == "footer_item_invalid"
    assert found[0]["evidence"]["observed"] == FOOTER_CODE and found[0]["evidence"]["expected"] == REGISTRY_CODE
    assert found[0]["evidence"]["site_code_source"] == "registry"
