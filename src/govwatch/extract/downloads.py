"""What marks a URL or a response as a downloadable file (附件), beyond the URL's extension.

Government sites serve attachments from scripts (``downfile.jsp?filename=名单.xlsx``,
``download.do?id=7``) as often as from static paths. Three signs, each a pure function:

- :func:`url_filename`: a file name in a query parameter (``filename``, ``fileName``, ``file``,
  ``name``, ``fn``, ``path`` and other ``*file*`` / ``*attach*`` names), percent-encoded in UTF-8
  or GBK;
- :func:`disposition_filename` / :func:`is_download_disposition`: the ``Content-Disposition``
  header (``filename=``, RFC 5987 ``filename*=UTF-8''…``, raw or percent-encoded GBK/UTF-8);
- :func:`sniff_format`: the body's leading bytes (PDF, OLE2 Word/Excel/PowerPoint/WPS, OOXML
  docx/xlsx/pptx, OFD, ODF, ZIP, RAR, 7z, RTF);
- :func:`content_type_format`: a document or data ``Content-Type`` (``text/csv``,
  ``application/vnd.ms-excel``, ``application/pdf``…), the one sign of a CSV at an extension-less
  URL. ``text/plain`` and ``application/octet-stream`` name no format: a plain-text body is a file
  only by its disposition or a file name, an octet stream only by its bytes.

:func:`response_download` combines them for one fetched response. Used by link extraction (a
filename parameter makes a link an attachment), by the crawler (a response that says or sniffs
as a file is recorded as an attachment) and by the attachment reader (the reader is picked by
the detected format).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urlsplit

__all__ = ["ATTACHMENT_EXTENSIONS", "CONTAINER_FORMATS", "DOCUMENT_CONTENT_TYPES", "DOCUMENT_FORMATS", "Download",
           "content_type_format", "decode_name", "disposition_filename", "extension_of", "is_download_disposition",
           "response_download", "sniff_format", "url_filename"]

ATTACHMENT_EXTENSIONS = frozenset(
    "pdf doc docx xls xlsx ppt pptx wps et dps txt csv zip rar 7z ofd rtf odt ods odp".split()
    # Media files are downloads too, not pages.
    + "mp4 mp3 avi wmv flv swf mov wav rm rmvb mpg mpeg".split()
)
# Formats :func:`sniff_format` recognises: every one is a file, never a page.
DOCUMENT_FORMATS = frozenset("pdf doc xls ppt docx xlsx pptx odt ods odp ofd zip ole rar 7z rtf".split())
# Containers sniffed without knowing what they hold: a file name's extension may say more.
CONTAINER_FORMATS = frozenset({"zip", "ole"})
# Content-Types of document and data files, by the format (an attachment extension) they name.
DOCUMENT_CONTENT_TYPES: dict[str, str] = {
    "application/pdf": "pdf", "application/x-pdf": "pdf",
    "application/msword": "doc", "application/vnd.ms-word": "doc",
    "application/vnd.ms-excel": "xls", "application/x-excel": "xls", "application/x-xls": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/kswps": "wps", "application/wps-office.wps": "wps", "application/wps-office.et": "et",
    "application/ofd": "ofd", "application/rtf": "rtf", "text/rtf": "rtf",
    "text/csv": "csv", "application/csv": "csv", "text/comma-separated-values": "csv", "text/x-csv": "csv",
    "application/x-csv": "csv",
    "application/zip": "zip", "application/x-zip-compressed": "zip", "application/vnd.rar": "rar",
    "application/x-rar-compressed": "rar", "application/x-7z-compressed": "7z",
}
# Path extensions of static pages: a ``?file=x.pdf`` on them is a viewer's argument, not a download.
_PAGE_EXTENSIONS = frozenset("html htm shtml xhtml".split())
_NAME_PARAMETERS = frozenset({"name", "fn", "f", "path", "src", "doc", "document"})
_NAME_PARAMETER_PARTS = ("file", "attach", "fujian", "fj")


def decode_name(raw: bytes) -> str:
    """File-name bytes as text: UTF-8, else GBK (GB18030), as Chinese servers send them."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", "replace")


def _unquote(text: str) -> str:
    """Percent-decoding whose bytes may be UTF-8 or GBK; characters not escaped are kept."""
    if "%" not in text:
        return text
    return decode_name(unquote_to_bytes(text.replace("+", " ")))


def extension_of(name: str) -> str:
    """The lower-cased extension of the last segment of ``name`` ('' when it has none)."""
    last = re.split(r"[/\\]", name)[-1]
    dot = last.rfind(".")
    return last[dot + 1:].strip().lower() if dot > 0 or (dot == 0 and len(last) > 1) else ""


def _is_name_parameter(key: str) -> bool:
    key = key.lower().replace("_", "").replace("-", "")
    return key in _NAME_PARAMETERS or any(part in key for part in _NAME_PARAMETER_PARTS)


def url_filename(url: str) -> str | None:
    """The attachment file name a download URL carries in a query parameter, or None.

    Only a name with an attachment extension counts, and only on a path that is not a static
    page (``viewer.html?file=a.pdf`` is a page)."""
    parts = urlsplit(url)
    if not parts.query or extension_of(parts.path.rsplit("/", 1)[-1]) in _PAGE_EXTENSIONS:
        return None
    for pair in parts.query.split("&"):
        key, sep, value = pair.partition("=")
        if not sep or not value or not _is_name_parameter(_unquote(key)):
            continue
        name = re.split(r"[/\\]", _unquote(value).strip())[-1]
        if extension_of(name) in ATTACHMENT_EXTENSIONS:
            return name
    return None


_PARAM = re.compile(r"""([\w*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)""")


def _disposition_params(header: str) -> tuple[str, dict[str, str]]:
    kind, _, rest = header.partition(";")
    params = {m.group(1).lower(): m.group(2).strip() for m in _PARAM.finditer(rest)}
    return kind.strip().lower(), params


def disposition_filename(header: str) -> str | None:
    """The file name of a ``Content-Disposition`` value, or None.

    ``filename*`` (RFC 5987: ``UTF-8''%E5%90%8D.xlsx``, also ``GBK''…``) wins over ``filename``;
    a plain ``filename`` may be quoted, percent-encoded (UTF-8 or GBK) or raw text (the caller
    decodes raw header bytes with :func:`decode_name`)."""
    _, params = _disposition_params(header)
    extended = params.get("filename*")
    if extended:
        charset, _, rest = extended.strip('"').partition("'")
        _lang, _, value = rest.partition("'")
        raw = unquote_to_bytes(value if rest else extended)
        codec = charset.strip().lower() or "utf-8"
        try:
            name = raw.decode("gb18030" if codec in ("gbk", "gb2312", "gb18030") else codec)
        except (LookupError, UnicodeDecodeError):
            name = decode_name(raw)
        if name.strip():
            return re.split(r"[/\\]", name.strip())[-1]
    plain = params.get("filename")
    if plain:
        if plain.startswith('"') and plain.endswith('"') and len(plain) >= 2:
            plain = re.sub(r"\\(.)", r"\1", plain[1:-1])
        name = _unquote(plain).strip()
        if name:
            return re.split(r"[/\\]", name)[-1]
    return None


def is_download_disposition(header: str) -> bool:
    """Whether a ``Content-Disposition`` value says the response is a file: type ``attachment``,
    or any disposition naming a file with an attachment extension (``inline; filename=a.pdf``)."""
    if not header.strip():
        return False
    kind, _ = _disposition_params(header)
    if kind == "attachment":
        return True
    name = disposition_filename(header)
    return name is not None and extension_of(name) in ATTACHMENT_EXTENSIONS


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# OLE2 directory entry names (UTF-16LE) by the format whose main stream they are.
_OLE2_STREAMS = (("xls", ("Workbook", "Book")), ("doc", ("WordDocument",)), ("ppt", ("PowerPoint Document",)))
_ZIP_PARTS = (("docx", b"word/document"), ("xlsx", b"xl/workbook"), ("pptx", b"ppt/presentation"))
_ODF_TYPES = (("odt", b"opendocument.text"), ("ods", b"opendocument.spreadsheet"),
              ("odp", b"opendocument.presentation"))


def _zip_format(body: bytes) -> str:
    """docx / xlsx / pptx / ODF / ofd by the package's part names, else zip. Local file headers
    hold the names uncompressed, so a body cut short still tells."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as package:
            listed = package.namelist()
            names = ("\n" + "\n".join(listed)).encode("utf-8", "replace")
            mimetype = package.read("mimetype")[:100] if "mimetype" in listed else b""
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, NotImplementedError):
        names = mimetype = body[:256 * 1024]
    if b"[Content_Types].xml" in names:
        for fmt, prefix in _ZIP_PARTS:
            if prefix in names:
                return fmt
    for fmt, marker in _ODF_TYPES:
        if marker in mimetype:
            return fmt
    if b"OFD.xml" in names:
        return "ofd"
    return "zip"


def sniff_format(body: bytes) -> str | None:
    """The file format the body's bytes show (one of :data:`DOCUMENT_FORMATS`), or None (markup,
    text, images and anything unknown)."""
    head = body[:1024]
    if head.startswith(b"%PDF-") or (b"%PDF-" in head and not head.lstrip().startswith(b"<")):
        return "pdf"
    if head.startswith(_OLE2):
        window = body[:4 * 1024 * 1024]
        for fmt, streams in _OLE2_STREAMS:
            if any(name.encode("utf-16-le") in window for name in streams):
                return fmt
        return "ole"  # an OLE2 compound file whose main stream was not recognised
    if head.startswith(b"PK\x03\x04"):
        return _zip_format(body)
    if head.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    return None


def content_type_format(content_type: str) -> str | None:
    """The document or data format a ``Content-Type`` value names (:data:`DOCUMENT_CONTENT_TYPES`), or None
    (pages, plain text, images, ``application/octet-stream``)."""
    return DOCUMENT_CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())


@dataclass(frozen=True, slots=True)
class Download:
    """Why a response is a file: its name (from the headers or the URL, may be '') and the format
    its bytes show (None when not sniffable: csv, txt, media, a body cut short)."""

    filename: str
    detected: str | None
    # disposition (the header says so) | sniffed (the bytes say so) | content-type (a document or
    # data type) | named (plain text with an attachment's file name in its URL)
    reason: str


def response_download(url: str, headers: dict[str, str], body: bytes) -> Download | None:
    """Whether a fetched response is a downloadable file rather than a page, and why; None for pages.

    A file by its ``Content-Disposition``, its bytes, or a document/data ``Content-Type`` (an
    extension-less ``attach/7/1`` answering ``text/csv``); ``text/plain`` only with a file name
    (``downfile.jsp?filename=a.txt``), so an ordinary text or HTML page stays a page.
    ``headers`` are lower-cased names (``content-disposition`` decoded as UTF-8, else GBK)."""
    disposition = headers.get("content-disposition", "")
    detected = sniff_format(body)
    name = (disposition_filename(disposition) if disposition else None) or url_filename(url) or ""
    if is_download_disposition(disposition):
        return Download(name, detected, "disposition")
    if detected is not None:
        return Download(name, detected, "sniffed")
    content_type = headers.get("content-type", "")
    if content_type_format(content_type) is not None:
        return Download(name, None, "content-type")
    if content_type.split(";")[0].strip().lower() == "text/plain" and extension_of(name) in ATTACHMENT_EXTENSIONS:
        return Download(name, None, "named")
    return None
