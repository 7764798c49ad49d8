"""Case files for the content and privacy checks (tests/checks/cases/{privacy,content}/*.yaml).

Each case is a page fragment (``html``) and/or attachments built here from a spec (real xlsx,
docx, pdf, csv, txt files); the named check runs over an in-memory RunData and its findings
must be exactly the expected ones (kind, target, url, severity, evidence subset). No full
personal number of the input may appear in any finding.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import yaml

from govwatch.checks import run_checks
from govwatch.core.urls import Scope
from govwatch.rundata import RunData
from tests.checks.casefiles import subset

SITE = "http://www.example.gov.cn/"
PAGE = SITE + "art/2026/6/1/art_1.html"
CASES = Path(__file__).parent / "cases"


def _load() -> list[Any]:
    params = []
    for path in sorted(p for p in CASES.glob("*/*.yaml")
                       if p.parent.name not in ("identity", "interaction")):  # own runners
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in spec["cases"]:
            params.append(pytest.param(spec["check"], spec["as_of"], case,
                                       id=f"{path.parent.name}/{path.stem}: {case['name']}"))
    return params


def _pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with Helvetica text (ASCII lines)."""
    ops = "BT /F1 11 Tf 50 750 Td " + " ".join(
        f"({line.replace('(', '[').replace(')', ']')}) Tj 0 -16 Td" for line in lines) + " ET"
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               "/Resources << /Font << /F1 5 0 R >> >> >>"),
               f"<< /Length {len(ops)} >>\nstream\n{ops}\nendstream",
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n{obj}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def build_attachment(spec: dict[str, Any]) -> bytes:
    """The bytes of an attachment file from its case spec."""
    url = spec["url"]
    if "raw" in spec:
        return spec["raw"].encode("utf-8")
    if url.endswith(".xlsx"):
        import openpyxl
        book = openpyxl.Workbook()
        for row in spec["rows"]:
            book.active.append(row)
        buf = io.BytesIO()
        book.save(buf)
        return buf.getvalue()
    if url.endswith(".docx"):
        import docx
        document = docx.Document()
        for para in spec.get("paragraphs", []):
            document.add_paragraph(para)
        rows = spec.get("table") or []
        if rows:
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = str(value)
        buf = io.BytesIO()
        document.save(buf)
        return buf.getvalue()
    if url.endswith(".pdf"):
        return _pdf(spec["lines"])
    if url.endswith(".csv"):
        buf = io.StringIO()
        csv.writer(buf).writerows(spec["rows"])
        return buf.getvalue().encode(spec.get("encoding", "utf-8"))
    return "\n".join(spec["lines"]).encode(spec.get("encoding", "utf-8"))


def build_run(case: dict[str, Any], as_of: str) -> RunData:
    fetches: dict[str, dict[str, Any]] = {}
    pages: dict[str, dict[str, Any]] = {}
    bodies: dict[str, bytes] = {}
    links: list[tuple[str, str, str, str, str]] = []
    if "html" in case:
        fetches[PAGE] = {"role": "page", "kind": "page", "status": 200, "error": None,
                         "content_type": f"text/html; charset={case.get('encoding', 'utf-8')}"}
        pages[PAGE] = {"page_type": "article", "title": ""}
        bodies[PAGE] = case["html"].encode(case.get("encoding", "utf-8"))
    for spec in case.get("attachments", []):
        url = urljoin(SITE, spec["url"])
        fetches[url] = {"role": "resource", "kind": "attachment", "status": 200, "error": None, "content_type": ""}
        bodies[url] = build_attachment(spec)
        links.append((PAGE, url, "attachment", spec.get("link_text", ""), "html"))
    return RunData(site_url=SITE, scope=Scope.for_site(SITE), as_of=date.fromisoformat(str(as_of)),
                   fetches=fetches, pages=pages, links=links, bodies=bodies)


def matches(exp: dict[str, Any], finding: Any) -> bool:
    if exp["kind"] != finding.kind:
        return False
    if "target" in exp and exp["target"] != finding.target:
        return False
    if "url" in exp and urljoin(SITE, exp["url"]) != finding.url:
        return False
    if "severity" in exp and exp["severity"] != finding.severity:
        return False
    if "examples_max" in exp and len(finding.evidence.get("examples", [])) > exp["examples_max"]:
        return False
    return subset(exp.get("evidence", {}), finding.evidence)


@pytest.mark.parametrize(("check_name", "as_of", "case"), _load())
def test_case(check_name: str, as_of: str, case: dict[str, Any]) -> None:
    data = build_run(case, as_of)
    findings, runs = run_checks(data, [check_name])
    assert runs[0].status == "ok", runs[0].error
    remaining = list(findings)
    for exp in case["expect"]:
        hit = next((f for f in remaining if matches(exp, f)), None)
        assert hit is not None, f"expected {exp}, got {[(f.kind, f.target, f.evidence) for f in remaining]}"
        remaining.remove(hit)
    assert not remaining, f"unexpected {[(f.kind, f.target, f.evidence) for f in remaining]}"
    # Evidence never holds a personal number in full.
    raw = json.dumps(case, ensure_ascii=False, default=str)
    numbers = {n for n in re.findall(r"\d{11,}[Xx]?", raw.replace(" ", ""))}
    shown = json.dumps([(f.message, f.evidence, f.target) for f in findings], ensure_ascii=False)
    for number in numbers:
        assert number not in shown.replace(" ", "")


def test_fingerprints_are_stable_and_distinct_per_phrase() -> None:
    case = {"html": "<p>国务院总理李墙；两个维户；国务院总理李墙</p>"}
    first, _ = run_checks(build_run(case, "2026-06-30"), ["wording"])
    again, _ = run_checks(build_run(case, "2026-07-30"), ["wording"])
    assert len(first) == 2
    assert {f.fingerprint for f in first} == {f.fingerprint for f in again}
    assert len({f.fingerprint for f in first}) == 2


def test_no_stored_bodies_is_not_assessed() -> None:
    data = RunData(site_url=SITE, scope=Scope.for_site(SITE), as_of=date(2026, 6, 30),
                   fetches={PAGE: {"role": "page", "kind": "page", "status": 200}},
                   pages={PAGE: {"page_type": "article"}})
    _, runs = run_checks(data, ["wording", "banned_content", "personal_data"])
    assert [r.status for r in runs] == ["not_assessed"] * 3
