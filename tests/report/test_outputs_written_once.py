"""The report files are the same whether the HTML is written piece by piece and the JSON copied from
``--json``'s file, or each is encoded whole (a 20,000-page site's report and JSON are 12–13 MB each:
building them once, and the HTML never as one string, keeps them off the command's memory peak)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govwatch.core.jsonfile import json_bytes
from govwatch.report.html import render_html
from govwatch.report.outputs import write_reports


def test_copied_json_and_streamed_html_equal_the_whole_encodings(inspected_sites: Any, tmp_path: Path) -> None:
    document = inspected_sites["trs"].document
    given = tmp_path / "r.json"
    given.write_bytes(json_bytes(document))
    written = write_reports(document, tmp_path / "out", ["json", "html"], json_written=given)
    assert [p.name for p in written] == ["inspection.json", "report.html"]
    assert (tmp_path / "out" / "inspection.json").read_bytes() == json_bytes(document)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert html == render_html(document) and len(html) > 10_000 and "</html>" in html
    alone = write_reports(document, tmp_path / "alone", ["json"])  # no --json file: encoded here
    assert alone[0].read_bytes() == json_bytes(document)


def test_the_json_given_is_left_as_it_is_when_it_is_the_report_itself(inspected_sites: Any, tmp_path: Path) -> None:
    document = inspected_sites["trs"].document
    out = tmp_path / "out"
    out.mkdir()
    same = out / "inspection.json"
    same.write_bytes(json_bytes(document))
    (path,) = write_reports(document, out, ["json"], json_written=same)
    assert path == same and path.read_bytes() == json_bytes(document)
