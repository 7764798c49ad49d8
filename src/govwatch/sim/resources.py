"""Small, valid-looking binary resources: attachments, images, CSS and JS.

Bytes depend only on their arguments, so they are identical on every run.
PDF, DOCX, XLSX, PNG and GIF outputs are real (minimal) files of their format.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "gif": "image/gif",
    "css": "text/css",
    "js": "application/javascript",
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv",
}
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def pdf_bytes(text: str) -> bytes:
    """A one-page PDF showing ``text`` (ASCII is kept; other characters become ``?``)."""
    safe = text.encode("ascii", "replace").decode("ascii").replace("\\", "/").replace("(", "[").replace(")", "]")
    stream = f"BT /F1 12 Tf 72 720 Td ({safe}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(zipfile.ZipInfo(name, _ZIP_TIME), text.encode("utf-8"), zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _w_para(text: str) -> str:
    return f"<w:p><w:r><w:t>{_esc(text)}</w:t></w:r></w:p>"


def docx_bytes(text: str, rows: list[list[str]] | None = None) -> bytes:
    """A minimal Word (OOXML) document: one paragraph, then a table of ``rows`` if given."""
    table = ""
    if rows:
        table = "<w:tbl>" + "".join(
            "<w:tr>" + "".join(f"<w:tc>{_w_para(cell)}</w:tc>" for cell in row) + "</w:tr>" for row in rows
        ) + "</w:tbl>"
    return _zip({
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        + _w_para(text) + table + "</w:body></w:document>",
    })


def _cell_ref(row: int, col: int) -> str:
    return f"{chr(ord('A') + col)}{row + 1}"  # up to 26 columns: plenty for the simulator


def xlsx_bytes(text: str, rows: list[list[str]] | None = None) -> bytes:
    """A minimal Excel (OOXML) workbook: cell A1 holds ``text``, or the sheet holds ``rows`` (strings)."""
    cells = rows if rows else [[text]]
    sheet = "".join(
        f'<row r="{r + 1}">' + "".join(f'<c r="{_cell_ref(r, c)}" t="inlineStr"><is><t>{_esc(v)}</t></is></c>'
                                       for c, v in enumerate(row)) + "</row>"
        for r, row in enumerate(cells)
    )
    return _zip({
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + sheet + "</sheetData></worksheet>",
    })


def doc_bytes(text: str) -> bytes:
    """Bytes that look like a legacy Word file (OLE2 signature, text inside)."""
    header = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    return (header + b"\x00" * (512 - len(header)) + text.encode("utf-16-le")).ljust(1024, b"\x00")


def png_bytes(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height, 9)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def gif_bytes(rgb: tuple[int, int, int]) -> bytes:
    """A 1x1 GIF image of one colour."""
    return (b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(rgb) + b"\x00\x00\x00"
            b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def file_bytes(ext: str, text: str, colour_key: int = 0) -> bytes:
    """Bytes of an attachment or image of extension ``ext``."""
    if ext == "pdf":
        return pdf_bytes(text)
    if ext == "docx":
        return docx_bytes(text)
    if ext == "xlsx":
        return xlsx_bytes(text)
    if ext == "doc":
        return doc_bytes(text)
    rgb = (colour_key % 200 + 30, colour_key // 7 % 200 + 30, colour_key // 13 % 200 + 30)
    if ext == "gif":
        return gif_bytes(rgb)
    return png_bytes(16, 12, rgb)


SITE_CSS = """body{font-family:"Microsoft YaHei",SimSun,sans-serif;margin:0;color:#333}
.header{background:#b5121b;color:#fff;padding:12px}.nav li{display:inline-block;margin:0 8px}
.block{width:46%;display:inline-block;vertical-align:top;margin:8px}.date{float:right;color:#666}
.footer{border-top:2px solid #b5121b;text-align:center;font-size:12px;padding:12px}
"""

JPAGE_JS = """/* jpage: pages XML records of a JCMS list unit (simulated). */
function jpageInit(unit, total, perPage) { return { unit: unit, total: total, perPage: perPage }; }
"""
