"""Writing a run's report files in the formats a user asks for (html, json, docx, pdf, xlsx)."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from govwatch.core.jsonfile import write_json_file

FORMATS = ("html", "json", "docx", "pdf", "xlsx")
DEFAULT_FORMATS = ("html", "json")


def parse_formats(text: str | None, default: Iterable[str] = DEFAULT_FORMATS) -> tuple[str, ...]:
    """``--formats html,docx`` as a tuple; ``all`` means every format. Raises ValueError on unknown ones."""
    if not text:
        return tuple(default)
    wanted = tuple(dict.fromkeys(x.strip().lower() for x in text.split(",") if x.strip()))
    if wanted == ("all",):
        return FORMATS
    unknown = [x for x in wanted if x not in FORMATS]
    if unknown:
        raise ValueError(f"unknown report format(s) {', '.join(unknown)} (choose from {', '.join(FORMATS)}, or all)")
    return wanted


def write_reports(document: dict[str, Any], out_dir: Path, formats: Iterable[str], *,
                  browser: str | None = None, json_written: Path | None = None) -> list[Path]:
    """Write the document in each format into ``out_dir``; returns the files written.
    ``json_written``: a file holding the document's JSON already (``inspect --json``): the json
    report is a copy of it, not a second encoding of a document of many megabytes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for fmt in formats:
        if fmt == "json":
            path = out_dir / "inspection.json"
            if json_written is None:
                write_json_file(document, path)
            elif json_written.resolve() != path.resolve():
                shutil.copyfile(json_written, path)
        elif fmt == "html":
            from govwatch.report.html import write_html
            path = write_html(document, out_dir)
        elif fmt == "docx":
            from govwatch.report.docx import write_docx
            path = write_docx(document, out_dir)
        elif fmt == "pdf":
            from govwatch.report.pdf import write_pdf
            path = write_pdf(document, out_dir, executable=browser)
        elif fmt == "xlsx":
            from govwatch.report.xlsx import write_selfcheck
            path = write_selfcheck(document, out_dir)
        else:
            raise ValueError(f"unknown report format {fmt!r}")
        written.append(path)
    return written
