"""Text of Office Open XML files (xlsx, docx) read straight from their XML parts.

The personal-data scan needs only the text of cells and paragraphs. Reading the parts with lxml
is about ten times faster than building openpyxl / python-docx object models (a crawl may
bring thousands of attachments), and reads the same text: xlsx shared strings (rich-text runs
joined, phonetic runs left out), inline strings and cached cell values (``data_only``), numbers
written as integers when they are whole; docx body paragraphs as ``text`` and table cells
(their paragraphs joined by newlines) as ``table cell``.

A part larger than :data:`MAX_PART_BYTES` uncompressed raises ``ValueError`` (zip bombs).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from lxml import etree

Segment = tuple[str, str]

MAX_PART_BYTES = 64 * 1024 * 1024
_SML = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_WML = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _part(book: zipfile.ZipFile, name: str) -> etree._Element | None:
    """The parsed XML part ``name`` of the package, or None when it is absent."""
    try:
        info = book.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise ValueError(f"{name} 解压后 {info.file_size} 字节，超过 {MAX_PART_BYTES} 字节上限")
    return etree.fromstring(book.read(info), _PARSER)


def _number(text: str) -> str:
    """A cached numeric value as Excel shows a whole number: 13812345678.0 / 1.3812345678E10 → 13812345678."""
    try:
        value = float(text)
    except ValueError:
        return text
    return str(int(value)) if value.is_integer() and abs(value) < 1e21 else text


def _string_item(si: etree._Element) -> str:
    """The text of one shared string (plain ``t`` or rich-text runs ``r/t``; not phonetic ``rPh``)."""
    return "".join(t.text or "" for t in si.iterfind(f"{_SML}t")) + \
        "".join(t.text or "" for t in si.iterfind(f"{_SML}r/{_SML}t"))


def xlsx_cells(body: bytes, max_cells: int) -> Iterator[str]:
    """Every non-empty cell value of every worksheet, as text, at most ``max_cells``."""
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        shared_root = _part(book, "xl/sharedStrings.xml")
        shared = [_string_item(si) for si in shared_root.iterfind(f"{_SML}si")] if shared_root is not None else []
        sheets = sorted(n for n in book.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        if not sheets:
            raise ValueError("工作簿中没有工作表")
        cells = 0
        for name in sheets:
            root = _part(book, name)
            assert root is not None
            for cell in root.iter(f"{_SML}c"):
                kind = cell.get("t")
                if kind == "inlineStr":
                    value = "".join(t.text or "" for t in cell.iter(f"{_SML}t"))
                else:
                    v = cell.find(f"{_SML}v")
                    if v is None or v.text is None:
                        continue
                    if kind == "s":
                        value = shared[int(v.text)]
                    elif kind in ("str", "e", "b"):
                        value = v.text
                    else:
                        value = _number(v.text)
                if value:
                    yield value
                    cells += 1
                    if cells >= max_cells:
                        return


def _paragraph_text(p: etree._Element) -> str:
    """A paragraph's text: its runs' ``t``, tabs and breaks (as python-docx reads them)."""
    out: list[str] = []
    for node in p.iter(f"{_WML}t", f"{_WML}tab", f"{_WML}br", f"{_WML}cr"):
        if node.tag == f"{_WML}t":
            out.append(node.text or "")
        elif node.tag == f"{_WML}tab":
            out.append("\t")
        else:
            out.append("\n")
    return "".join(out)


def docx_segments(body: bytes) -> Iterator[Segment]:
    """Body paragraphs (``text``), then table cells (``table cell``) of a Word document."""
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        root = _part(package, "word/document.xml")
    if root is None:
        raise ValueError("文档中没有 word/document.xml")
    doc_body = root.find(f"{_WML}body")
    if doc_body is None:
        return
    for p in doc_body.iterfind(f"{_WML}p"):
        if (text := _paragraph_text(p)):
            yield "text", text
    for cell in doc_body.iter(f"{_WML}tc"):
        # A cell's own paragraphs (a nested table's cells come as cells of their own).
        text = "\n".join(_paragraph_text(p) for p in cell.iterfind(f"{_WML}p"))
        if text.strip():
            yield "table cell", text
