"""Text of Office Open XML files (xlsx, docx) read straight from their XML parts.

The personal-data scan needs only the text of cells and paragraphs. Reading the parts with lxml
is about ten times faster than building openpyxl / python-docx object models (a crawl may
bring thousands of attachments), and reads the same text: xlsx shared strings (rich-text runs
joined, phonetic runs left out), inline strings and cached cell values (``data_only``), numbers
written as integers when they are whole; docx body paragraphs as ``text`` and table cells
(their paragraphs joined by newlines) as ``table cell``.

Hostile packages raise ``ValueError`` before they cost memory or time: more than
:data:`MAX_ENTRIES` entries (counted from the ZIP's end record, before the directory is read), an
entry compressed other than stored or deflated (bzip2 and LZMA decompress without a bound), a part
larger than :data:`MAX_PART_BYTES` uncompressed or parts adding up to more than
:data:`MAX_TOTAL_BYTES` (zip bombs; reading stops at the declared size whatever the data holds),
and a part with a DTD (entity expansion, billion laughs: OOXML parts never carry one). Nested
packages (embedded files) are never opened.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from lxml import etree

Segment = tuple[str, str]

MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # all parts read from one package
MAX_ENTRIES = 10_000
_SAFE_COMPRESSION = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_END_RECORD = b"PK\x05\x06"
_SML = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_WML = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def _open_package(body: bytes) -> zipfile.ZipFile:
    """The package as a ZipFile, once its end record shows at most :data:`MAX_ENTRIES` entries."""
    end = body.rfind(_END_RECORD, max(0, len(body) - 65_557))
    if end >= 0 and len(body) >= end + 12:
        entries = int.from_bytes(body[end + 10:end + 12], "little")
        if entries > MAX_ENTRIES:  # 0xFFFF (ZIP64) included
            raise ValueError(f"压缩包有 {entries} 个条目，超过 {MAX_ENTRIES} 个上限")
    package = zipfile.ZipFile(io.BytesIO(body))
    if len(package.infolist()) > MAX_ENTRIES:
        package.close()
        raise ValueError(f"压缩包条目超过 {MAX_ENTRIES} 个上限")
    return package


class _Package:
    """The XML parts of one package, read within the byte caps."""

    def __init__(self, book: zipfile.ZipFile) -> None:
        self.book = book
        self.read_bytes = 0

    def part(self, name: str) -> etree._Element | None:
        """The parsed XML part ``name`` of the package, or None when it is absent."""
        try:
            info = self.book.getinfo(name)
        except KeyError:
            return None
        if info.compress_type not in _SAFE_COMPRESSION:
            raise ValueError(f"{name} 使用不支持的压缩方式 {info.compress_type}")
        if info.file_size > MAX_PART_BYTES:
            raise ValueError(f"{name} 解压后 {info.file_size} 字节，超过 {MAX_PART_BYTES} 字节上限")
        self.read_bytes += info.file_size
        if self.read_bytes > MAX_TOTAL_BYTES:
            raise ValueError(f"解压后总计超过 {MAX_TOTAL_BYTES} 字节上限")
        data = self.book.read(info)  # zipfile stops at the declared size
        if b"<!DOCTYPE" in data:
            raise ValueError(f"{name} 含有 DTD（实体扩展），拒绝解析")
        return etree.fromstring(data, _PARSER)


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
    with _open_package(body) as book:
        package = _Package(book)
        shared_root = package.part("xl/sharedStrings.xml")
        shared = [_string_item(si) for si in shared_root.iterfind(f"{_SML}si")] if shared_root is not None else []
        sheets = sorted(n for n in book.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        if not sheets:
            raise ValueError("工作簿中没有工作表")
        cells = 0
        for name in sheets:
            root = package.part(name)
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
    with _open_package(body) as book:
        root = _Package(book).part("word/document.xml")
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
