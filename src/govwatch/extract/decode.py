"""Turn response bytes into text the way Chinese government sites need it.

Order of evidence: a byte-order mark (it cannot lie), the ``Content-Type`` header, a
``<meta charset>`` / ``http-equiv`` declaration in the first 4 KB, then sniffing (UTF-8,
else GB18030). Declarations of gb2312/gbk and friends decode as GB18030, a superset that
also holds characters such as 镕 and 喆 which GB2312 lacks. A page declared GB whose bytes
are valid UTF-8 (a common mistake after a CMS migration) decodes as UTF-8. When neither the
declared charset nor UTF-8 fits the whole body, the body is sniffed piece by piece (pieces
end at ``>`` or a newline, which never occur inside a UTF-8 or GB18030 character): a template
head in UTF-8 around an article body pasted in GBK decodes as both. Undecodable bytes are
replaced and reported in a warning; nothing here raises.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["decode_html", "normalize_charset", "safe_truncate"]

_GB_FAMILY = frozenset({
    "gb2312", "gbk", "gb_2312-80", "gb2312-80", "gb_2312", "x-gbk", "cp936", "ms936", "windows-936",
    "csgb2312", "x-euc-cn", "euc-cn", "euccn", "chinese", "iso-ir-58", "csiso58gb231280", "gb18030",
    "936",
})
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-:.]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-:.]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_SNIFF_BYTES = 4096


def normalize_charset(name: str | None) -> str | None:
    """The Python codec to use for a declared charset name, or ``None`` if unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if label in _GB_FAMILY:
        return "gb18030"
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    if codec in ("gb2312", "gbk"):
        return "gb18030"
    return codec


def _header_charset(content_type: str) -> str | None:
    m = _HEADER_CHARSET.search(content_type or "")
    return m.group(1) if m else None


def _meta_charset(body: bytes) -> str | None:
    m = _META_CHARSET.search(body, 0, _SNIFF_BYTES)
    return m.group(1).decode("ascii", "replace") if m else None


def _try(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(body: bytes, content_type: str = "") -> tuple[str, str, list[str]]:
    """Decode an HTML (or XML) response body.

    Returns ``(text, encoding_used, warnings)``. Never raises.
    """
    warnings: list[str] = []
    if not body:
        return "", "utf-8", warnings
    if isinstance(body, str):  # tolerate callers that already decoded
        return body, "utf-8", warnings
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = _try(body[len(bom):], codec)
            if text is not None:
                return text, codec, warnings
            warnings.append(f"decode: invalid {codec} after byte-order mark; bytes replaced")
            return body[len(bom):].decode(codec, "replace"), codec, warnings

    declared_name = _header_charset(content_type)
    source = "header"
    if declared_name is None:
        declared_name, source = _meta_charset(body), "meta"
    declared = normalize_charset(declared_name)
    if declared_name and declared is None:
        warnings.append(f"decode: unknown charset {declared_name!r} declared in {source}")
    if declared and declared.startswith("utf-16") and source == "meta":
        declared = "utf-8"  # a meta tag cannot truthfully declare UTF-16 (HTML standard)

    if body.isascii():
        return body.decode("ascii"), declared or "utf-8", warnings

    if declared == "gb18030":
        # GB text is almost never valid UTF-8; valid UTF-8 means the declaration is wrong.
        text = _try(body, "utf-8")
        if text is not None:
            warnings.append(f"decode: declared {declared_name} but bytes are UTF-8")
            return text, "utf-8", warnings
    if declared:
        text = _try(body, declared)
        if text is not None:
            return text, declared, warnings
    if declared != "utf-8" and (text := _try(body, "utf-8")) is not None:
        if declared:
            warnings.append(f"decode: declared {declared_name} but bytes are utf-8")
        return text, "utf-8", warnings
    if declared in (None, "utf-8", "gb18030"):
        mixed = _decode_mixed(body)
        if mixed is not None:
            text, utf8_pieces = mixed
            said = f"declared {declared_name}" if declared else "no charset declared"
            warnings.append(f"decode: {said} but bytes are gb18030" if not utf8_pieces else
                            f"decode: {said} but bytes mix utf-8 and gb18030 ({utf8_pieces} utf-8 pieces)")
            return text, "gb18030", warnings
    elif (text := _try(body, "gb18030")) is not None:
        warnings.append(f"decode: declared {declared_name} but bytes are gb18030")
        return text, "gb18030", warnings
    codec = declared or ("utf-8" if _mostly_utf8(body) else "gb18030")
    warnings.append(f"decode: undecodable bytes replaced ({codec})")
    return body.decode(codec, "replace"), codec, warnings


_PIECE = re.compile(rb"[^>\n]*(?:[>\n]|$)")


def _decode_mixed(body: bytes) -> tuple[str, int] | None:
    """``body`` decoded piece by piece, each piece as UTF-8 when it is valid UTF-8, else as
    GB18030 (GB text is almost never valid UTF-8), with the count of non-ASCII UTF-8 pieces;
    None when some piece is neither."""
    parts: list[str] = []
    utf8_pieces = 0
    for match in _PIECE.finditer(body):
        piece = match.group()
        if piece.isascii():
            parts.append(piece.decode("ascii"))
            continue
        text = _try(piece, "utf-8")
        if text is not None:
            utf8_pieces += 1
        else:
            text = _try(piece, "gb18030")
            if text is None:
                return None
        parts.append(text)
    return "".join(parts), utf8_pieces


def _mostly_utf8(body: bytes) -> bool:
    """Whether a body that is not valid UTF-8 still decodes better as UTF-8 than as GB."""
    sample = body[:65536]
    bad_utf8 = sample.decode("utf-8", "replace").count("\ufffd")
    bad_gb = sample.decode("gb18030", "replace").count("\ufffd")
    return bad_utf8 <= bad_gb


def safe_truncate(body: bytes, limit: int) -> bytes:
    """Cut ``body`` to at most ``limit`` bytes at a tag end or line end.

    ``>`` and newline bytes never occur inside a UTF-8 or GB18030 multi-byte character,
    so the cut does not split a character (which would spoil strict decoding).
    """
    if len(body) <= limit:
        return body
    head = body[:limit]
    cut = max(head.rfind(b">", max(0, limit - 65536)), head.rfind(b"\n", max(0, limit - 65536)))
    return head[:cut + 1] if cut > 0 else head
