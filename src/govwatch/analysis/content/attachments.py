"""Text of attachment files, as (context kind, text) segments for the personal-data scan.

The format is what the file's bytes show, else its name's extension, else its Content-Type
(:func:`attachment_format`): files served by download scripts have no extension in their URL.
A body no sign names that is plain text (a script's csv or txt sent as octet-stream) is read as txt.
Formats: xlsx and docx (their XML parts, :mod:`govwatch.analysis.content.ooxml`), xls (xlrd), pdf (pypdf), csv and txt (BOM, then
UTF-8, else GB18030). Context kinds: ``table cell`` (spreadsheet and table cells, csv fields),
``text`` (paragraphs, pdf pages, plain text). A file that cannot be read raises
:class:`Unreadable` with a message saying why; formats not listed (doc, wps, ppt, zip, rar...) give
:class:`Unsupported`.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from govwatch.extract.downloads import (
    ATTACHMENT_EXTENSIONS,
    CONTAINER_FORMATS,
    content_type_format,
    extension_of,
    sniff_format,
    url_filename,
)

Segment = tuple[str, str]  # (context kind, text)
FORMATS = ("xlsx", "xls", "docx", "pdf", "csv", "txt")
MAX_CELLS = 200_000


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
        if ext in FORMATS:
            return ext
    ctype = (content_type or "").split(";")[0].strip().lower()
    by_type = content_type_format(ctype) or ("txt" if ctype == "text/plain" else None)
    if by_type == "xls" and detected is None and _is_text(body) and not body.lstrip().startswith(b"<"):
        return "csv"  # an export script's CSV sent as application/vnd.ms-excel
    if by_type is not None and (by_type in FORMATS or detected in CONTAINER_FORMATS):
        return by_type  # a ZIP or OLE2 container is what its type says (application/msword: doc)
    if detected is None and not any(extension_of(n) in ATTACHMENT_EXTENSIONS for n in names) and _is_text(body):
        return "txt"  # a download script's csv or txt, sent as application/octet-stream
    return detected


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
    for sheet in book.sheets():
        for r in range(min(sheet.nrows, MAX_CELLS)):
            for value in sheet.row_values(r):
                if value not in ("", None):
                    yield "table cell", _cell(value)


def _docx(body: bytes) -> Iterator[Segment]:
    from govwatch.analysis.content.ooxml import docx_segments
    yield from docx_segments(body)


def _pdf(body: bytes) -> Iterator[Segment]:
    import pypdf
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


_READERS = {"xlsx": _xlsx, "xls": _xls, "docx": _docx, "pdf": _pdf, "csv": _csv, "txt": _txt}


def attachment_segments(url: str, body: bytes, content_type: str = "", filename: str = "") -> list[Segment]:
    """The text of an attachment as (context kind, text) segments, read by the reader of its
    detected format (:func:`attachment_format`).

    Raises :class:`Unsupported` for formats not read and :class:`Unreadable` for files that
    fail to parse (the message names the format and the parser's complaint)."""
    fmt = attachment_format(url, content_type, body, filename)
    if fmt not in _READERS:
        raise Unsupported(f"不支持的附件格式{f'（{fmt}）' if fmt else ''}")
    try:
        return list(_READERS[fmt](body))
    except ImportError as exc:  # pragma: no cover - dependencies are declared
        raise Unreadable(f"{fmt} 附件无法读取：缺少 {exc.name}") from exc
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, IndexError, TypeError,
            AssertionError, csv.Error) as exc:
        raise Unreadable(f"{fmt} 附件无法读取（{type(exc).__name__}: {str(exc)[:120]}）") from exc
    except Exception as exc:
        raise Unreadable(f"{fmt} 附件无法读取（{type(exc).__name__}: {str(exc)[:120]}）") from exc
