"""Rendering office documents for layout tests: .docx → PDF (LibreOffice) → PNG pages (pdftoppm -r 60).

The PNGs are kept as test artefacts in ``$GOVWATCH_ARTEFACTS`` (default: the test's tmp_path). Without
soffice or pdftoppm the tests skip with the reason — unless ``CI`` is set, where they must fail.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx.oxml.ns import qn

from govwatch.report.office_pdf import docx_to_pdf

# Latin words allowed in a document: URLs, problem IDs (LJ-3fa2…), file names, HTTP, and the like.
ALLOWED_LATIN = re.compile(r"https?://\S+|[A-Z]{2}-[0-9A-Fa-f]{4,}|\S+\.(?:docx|xlsx|pdf|html?)\b|HTTP|\b\dxx\b")


def need_office_tools() -> None:
    """Skip (fail under CI) when LibreOffice or pdftoppm is missing."""
    missing = [tool for tool in ("soffice", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        message = f"{' and '.join(missing)} not installed (apt install libreoffice-writer-nogui poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def artefacts(tmp_path: Path, name: str) -> Path:
    """The folder for a test's rendered pages."""
    root = Path(os.environ.get("GOVWATCH_ARTEFACTS") or tmp_path)
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Page:
    """A rendered page: its PNG and its grey pixels (0 black … 255 white), row by row."""

    path: Path
    width: int
    height: int
    pixels: list[bytes]
    red: int = 0  # pixels of the 红头's red

    def ink_rows(self, *, top: int = 0, bottom: int | None = None, threshold: int = 200) -> int:
        """How many pixel rows between ``top`` and ``bottom`` have a pixel darker than ``threshold``."""
        return sum(1 for row in self.pixels[top:bottom] if min(row) < threshold)


def _png_pixels(path: Path) -> tuple[int, int, list[bytes], int]:
    """Decode a non-interlaced 8-bit RGB/grey PNG (what pdftoppm writes): grey rows and the red pixel count."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (0, 2), (depth, colour)
            channels = 3 if colour == 2 else 1
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    red = 0
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        previous = line
        if channels == 3:
            grey = bytes(min(line[i], line[i + 1], line[i + 2]) for i in range(0, stride, 3))
            red += sum(1 for i in range(0, stride, 3) if line[i] > 180 and line[i + 1] < 90 and line[i + 2] < 90)
        else:
            grey = bytes(line)
        rows.append(grey)
    return width, height, rows, red


def render(docx_path: Path, folder: Path) -> tuple[Path, list[Page]]:
    """Convert to PDF with the product's converter, then every page to PNG at 60 dpi."""
    pdf = docx_to_pdf(docx_path, folder)
    prefix = folder / docx_path.stem
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(prefix)], check=True, timeout=120)
    pages = []
    for png in sorted(folder.glob(f"{docx_path.stem}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
        width, height, rows, red = _png_pixels(png)
        pages.append(Page(png, width, height, rows, red))
    return pdf, pages


def assert_no_blank_page(pages: list[Page]) -> None:
    """Every page has ink above the page-number area (the bottom 35 mm margin holds only “— N —”)."""
    for page in pages:
        number_area = page.height - round(page.height * 35 / 297)
        assert page.ink_rows(bottom=number_area) > 10, f"blank page: {page.path.name}"


def english_words(text: str) -> list[str]:
    """Latin words in ``text`` outside URLs, problem IDs and file names."""
    return re.findall(r"[A-Za-z]{2,}", ALLOWED_LATIN.sub(" ", text))


def docx_text(document: object) -> str:
    """Every paragraph and table cell of a python-docx document, one per line."""
    lines = [p.text for p in document.paragraphs]  # type: ignore[attr-defined]
    for t in document.tables:  # type: ignore[attr-defined]
        for row in t.rows:
            lines += [c.text for c in row.cells]
    return "\n".join(lines)


def grid_widths(t: object) -> list[int]:
    """A table's w:gridCol widths (twips)."""
    return [int(c.get(qn("w:w"))) for c in t._tbl.tblGrid.findall(qn("w:gridCol"))]  # type: ignore[attr-defined]


def text_width_twips(section: object) -> int:
    """A section's width between its margins (twips)."""
    s = section
    return round((s.page_width - s.left_margin - s.right_margin) / 635)  # type: ignore[attr-defined]
