"""Real attachment files built from a case's spec: xlsx, docx, pdf, csv, txt (or raw bytes).

A spec names the file by ``url`` (its extension picks the format) and gives its content:
``rows`` (xlsx, csv), ``paragraphs``/``table`` (docx), ``lines`` (pdf, txt), ``raw`` / ``raw_hex`` (the bytes
as text, e.g. a broken file); ``encoding`` applies to csv and txt.
"""

from __future__ import annotations

import csv
import io
from typing import Any


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


def _xlsx(rows: list[list[Any]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _docx(paragraphs: list[str], rows: list[list[Any]]) -> bytes:
    import docx

    document = docx.Document()
    for para in paragraphs:
        document.add_paragraph(para)
    if rows:
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = str(value)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def build_attachment(spec: dict[str, Any]) -> bytes:
    """The bytes of an attachment file from its case spec."""
    url = spec["url"]
    if "raw" in spec:
        return str(spec["raw"]).encode("utf-8")
    if "raw_hex" in spec:
        return bytes.fromhex(str(spec["raw_hex"]))
    if url.endswith(".xlsx"):
        return _xlsx(spec["rows"])
    if url.endswith(".docx"):
        return _docx(spec.get("paragraphs", []), spec.get("table") or [])
    if url.endswith(".pdf"):
        return _pdf(spec["lines"])
    if url.endswith(".csv"):
        buf = io.StringIO()
        csv.writer(buf).writerows(spec["rows"])
        return buf.getvalue().encode(spec.get("encoding", "utf-8"))
    return "\n".join(spec["lines"]).encode(spec.get("encoding", "utf-8"))
