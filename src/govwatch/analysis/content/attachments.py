"""Text of attachment files, as (context kind, text) segments for the personal-data scan.

The format is what the file's bytes show, else its name's extension, else its Content-Type
(:func:`attachment_format`): files served by download scripts have no extension in their URL.
A body no sign names that is plain text (a script's csv or txt sent as octet-stream) is read as txt.
Formats: xlsx and docx (their XML parts, :mod:`govwatch.analysis.content.ooxml`), xls (xlrd), pdf (pypdf), csv and txt (BOM, then
UTF-8, else GB18030), and html (an "Excel" export that is really an HTML table). A file named .xls or
.xlsx whose bytes are neither an OLE2 nor a ZIP container is read by what it is: csv text or an
HTML table. Context kinds: ``table cell`` (spreadsheet and table cells, csv fields),
``text`` (paragraphs, pdf pages, plain text). A file that cannot be read raises
:class:`Unreadable` with a message saying why; formats not listed (doc, wps, ppt, zip, rar...) give
:class:`Unsupported`.

Files come from sites govwatch does not control: the binary formats (xlsx, docx, xls, pdf) are parsed
in a separate process bounded in time and memory (:mod:`govwatch.analysis.content.bounded`), on top
of the readers' own caps (cells, ZIP entries and decompressed bytes, no XML DTDs); a file past a
bound is :class:`Unreadable`, never a hang or a crash of the run.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import zipfile
from collections.abc import Iterator
from functools import partial
from urllib.parse import unquote, urlsplit

from govwatch.analysis.content.bounded import ParseLimitExceeded, call_bounded
from govwatch.extract.downloads import (
    ATTACHMENT_EXTENSIONS,
    CONTAINER_FORMATS,
    content_type_format,
    extension_of,
    sniff_format,
    url_filename,
)

Segment = tuple[str, str]  # (context kind, text)
FORMATS = ("xlsx", "xls", "docx", "pdf", "csv", "txt", "html")
MAX_CELLS = 200_000
_SPREADSHEETS = frozenset({"xls", "xlsx"})


class Unreadable(Exception):
    """The attachment is in a supported format but could not be read."""


class Unsupported(Exception):
    """The attachment's format is not one govwatch reads."""


def attachment_format(url: str, content_type: str = "", body: bytes = b"", filename: str = "") -> str | None:
    """The format of an attachment: what its bytes show (:func:`~govwatch.extract.downloads.sniff_format`),
    else the extension of its file name (``filename``, the URL path, a ``?filename=`` parameter),
    else its Content-Type (:func:`~govwatch.extract.downloads.content_type_format`; CSV text sent as
    ``application/vnd.ms-excel`` is csv); a bare ZIP or OLE2 container when nothing says more. A
    download script's URL (``download.do?id=7``) has no extension: the bytes decide."""
    detected = sniff_format(body)
    if detected is not None and detected not in CONTAINER_FORMATS:
        return detected
    path_name = unquote(urlsplit(url).path).rsplit("/", 1)[-1]
    names = [n for n in (filename, path_name, url_filename(url) or "") if n]
    for name in names:
        ext = extension_of(name)
        if ext in _SPREADSHEETS and detected is None and (text_format := _text_table_format(body)):
            return text_format  # "Excel" exported as CSV or as an HTML table
        if ext in FORMATS:
            return ext
    ctype = (content_type or "").split(";")[0].strip().lower()
    by_type = content_type_format(ctype) or ("txt" if ctype == "text/plain" else None)
    if by_type == "xls" and detected is None and (text_format := _text_table_format(body)):
        return text_format  # an export script's CSV or HTML table sent as application/vnd.ms-excel
    if by_type is not None and (by_type in FORMATS or detected in CONTAINER_FORMATS):
        return by_type  # a ZIP or OLE2 container is what its type says (application/msword: doc)
    if detected is None and not any(extension_of(n) in ATTACHMENT_EXTENSIONS for n in names) and _is_text(body):
        return "txt"  # a download script's csv or txt, sent as application/octet-stream
    return detected


def _text_table_format(body: bytes) -> str | None:
    """``html`` or ``csv`` for a "spreadsheet" whose bytes are text: markup, else delimited text."""
    if not _is_text(body):
        return None
    return "html" if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") else "csv"


def _is_text(body: bytes) -> bool:
    """Whether a body of unknown format is plain text: no control bytes but tab, CR, LF and form feed
    in its first 8 KiB, and it decodes as UTF-8 or GB18030."""
    head = body[:8192]
    if not head or any(b < 0x20 and b not in (9, 10, 12, 13) for b in head):
        return False
    for codec in ("utf-8", "gb18030"):
        try:
            head.decode(codec)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut by the 8 KiB window
                return True
    return False


def decode_text(body: bytes) -> str:
    """Plain text bytes: a BOM, else UTF-8, else GB18030 (undecodable bytes replaced)."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return body[len(bom):].decode(codec, "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030", "replace")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # numbers typed into Excel: 13812345678.0 → 13812345678
    return str(value)


def _xlsx(body: bytes) -> Iterator[Segment]:
    from govwatch.analysis.content.ooxml import xlsx_cells
    for value in xlsx_cells(body, MAX_CELLS):
        yield "table cell", value


def _xls(body: bytes) -> Iterator[Segment]:
    import xlrd
    book = xlrd.open_workbook(file_contents=body, on_demand=True)
    cells = 0
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        for r in range(sheet.nrows):
            for value in sheet.row_values(r):
                if value not in ("", None):
                    yield "table cell", _cell(value)
                    cells += 1
                    if cells >= MAX_CELLS:
                        return
        book.unload_sheet(index)


def _docx(body: bytes) -> Iterator[Segment]:
    from govwatch.analysis.content.ooxml import docx_segments
    yield from docx_segments(body)


def _pdf(body: bytes) -> Iterator[Segment]:
    import pypdf
    # pypdf warns of what it repairs (a bad header, no EOF marker) through ``logging``; with no
    # handler set, Python prints each on stderr, a line per file under the command's own output.
    # What makes a file unreadable is the finding's reason; what pypdf could repair is no news.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = pypdf.PdfReader(io.BytesIO(body))
    for page in reader.pages:
        text = page.extract_text() or ""
        if text:
            yield "text", text


def _csv(body: bytes) -> Iterator[Segment]:
    for row in csv.reader(io.StringIO(decode_text(body))):
        for value in row:
            if value:
                yield "table cell", value


def _txt(body: bytes) -> Iterator[Segment]:
    yield "text", decode_text(body)


def _html(body: bytes) -> Iterator[Segment]:
    """An HTML "spreadsheet": its table cells, or its text when it has no table."""
    import lxml.html
    root = lxml.html.document_fromstring(decode_text(body))
    cells = 0
    for cell in root.iter("td", "th"):
        if (text := cell.text_content().strip()):
            yield "table cell", text
            cells += 1
            if cells >= MAX_CELLS:
                return
    if not cells and (text := root.text_content().strip()):
        yield "text", text


_READERS = {"xlsx": _xlsx, "xls": _xls, "docx": _docx, "pdf": _pdf, "csv": _csv, "txt": _txt, "html": _html}
_BOUNDED = frozenset({"xlsx", "xls", "docx", "pdf"})  # parsed in the bounded process


def read_format(fmt: str, body: bytes) -> list[Segment]:
    """The segments of ``body`` read as ``fmt`` in this process (the bounded process calls this)."""
    return list(_READERS[fmt](body))


def attachment_segments(url: str, body: bytes, content_type: str = "", filename: str = "") -> list[Segment]:
    """The text of an attachment as (context kind, text) segments, read by the reader of its
    detected format (:func:`attachment_format`).

    Raises :class:`Unsupported` for formats not read and :class:`Unreadable` for files that
    fail to parse (the message names the format and the parser's complaint)."""
    fmt = attachment_format(url, content_type, body, filename)
    if fmt not in _READERS:
        raise Unsupported(f"不支持的附件格式{f'（{fmt}）' if fmt else ''}")
    try:
        if fmt in _BOUNDED:
            return call_bounded(partial(read_format, fmt), body)
        return read_format(fmt, body)
    except ParseLimitExceeded as exc:
        raise Unreadable(f"{fmt} 附件无法读取（{exc}）") from exc
    except ImportError as exc:  # pragma: no cover - dependencies are declared
        raise Unreadable(f"{fmt} 附件无法读取：缺少 {exc.name}") from exc
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, IndexError, TypeError,
            AssertionError, csv.Error) as exc:
        raise Unreadable(f"{fmt} 附件无法读取（{type(exc).__name__}: {str(exc)[:120]}）") from exc
    except Exception as exc:
        raise Unreadable(f"{fmt} 附件无法读取（{type(exc).__name__}: {str(exc)[:120]}）") from exc
