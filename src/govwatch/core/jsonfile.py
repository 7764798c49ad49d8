"""JSON as govwatch writes it, non-ASCII kept: indented documents (inspection JSON, command
output) and compact JSON (the store: page facts and every JSON column). orjson writes both; what
it refuses (integers beyond 64 bits, lone surrogates) goes through the standard library. A
document written to a file goes piece by piece (:func:`write_json_file`): the 65 MB inspection
JSON of a 100,000-page site took +75 MB to write whole, +19 MB this way (the same bytes)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from govwatch.core.spool import Reread

_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS  # the indented documents' (json_bytes, json_chunks)


def json_bytes(data: Any) -> bytes:
    """``data`` as indented UTF-8 JSON ending in a newline.

    orjson writes it in one buffer; the standard library's indenting encoder first builds a
    list of millions of small strings (tens of MB for a large site's inspection)."""
    try:
        return orjson.dumps(data, default=_default, option=_OPTIONS | orjson.OPT_APPEND_NEWLINE)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(data, ensure_ascii=False, indent=2, default=_default).encode("utf-8") + b"\n"


def _default(value: Any) -> Any:
    """What JSON has no type for: a document's lazy lists (core/spool.py) as lists, else its text."""
    if isinstance(value, Reread):
        return list(value)
    return str(value)


@dataclass(frozen=True, slots=True)
class EncodedJson:
    """A value already written as compact JSON (:func:`compact_json`'s text), as UTF-8 bytes:
    :func:`compact_json_bytes` gives the bytes as they are, :func:`compact_json` their text."""

    utf8: bytes


def compact_json_object(listed: str, items: Iterable[Any], rest: dict[str, Any]) -> EncodedJson:
    """The compact JSON of the object ``{listed: [*items], **rest}`` (:func:`compact_json`'s text of
    the whole object, as UTF-8 bytes), written one item at a time: every item's objects are not held
    beside it (a 100,000-page run's guide pages: 2.8 MB of dicts)."""
    out = bytearray(b"{" + compact_json_bytes(listed) + b":[")
    for n, item in enumerate(items):
        out += (b"," if n else b"") + compact_json_bytes(item)
    out += b"]" + (b"," + compact_json_bytes(rest)[1:] if rest else b"}")
    return EncodedJson(bytes(out))


def compact_json_bytes(data: Any) -> bytes:
    """:func:`compact_json`'s text as UTF-8 bytes, made as bytes (orjson's own output): a store
    that takes the bytes never holds the text as Python characters, two bytes each for Chinese,
    nor the UTF-8 copy made of them to bind it. An :class:`EncodedJson` gives its bytes."""
    if isinstance(data, EncodedJson):
        return data.utf8
    try:
        return orjson.dumps(data)
    except (TypeError, orjson.JSONEncodeError):
        return _standard_compact_json(data).encode("utf-8")


def compact_json(data: Any) -> str:
    """Compact JSON text, non-ASCII kept: the store's (a page's facts, every JSON column; orjson
    writes the same text as ``json.dumps(ensure_ascii=False, separators=(",", ":"))``, eight times
    faster and in one buffer, where the standard library's encoder first makes a list of every
    token: +48 MB to store the score sheet of a 100,000-page run). A lone surrogate, which no
    UTF-8 text holds, is written as an escape (``\\ud800``). An :class:`EncodedJson` is its text."""
    return compact_json_bytes(data).decode("utf-8")


def _standard_compact_json(data: Any) -> str:
    """What orjson refuses (an integer beyond 64 bits, a lone surrogate), by the standard library."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: escaped, as the store's text could not hold it
        return json.dumps(data, separators=(",", ":"))
    return text


_STREAMED_LIST = 64  # a list this long is written item by item (findings, link targets ...)
# The document and its sections (two levels of dicts) are opened here. A long dict below them (the
# score sheet's per-finding trace) is written _DICT_SLICE entries at a time: whole, the 37,051 entries
# of a 100,000-page run were a 7 MB buffer and its indented copy (+19 MB while the file was written);
# item by item they cost 0.5 s of CPU more.
_DICT_SLICE = 2048


def json_chunks(data: Any) -> Iterator[bytes]:
    """:func:`json_bytes` of ``data`` piece by piece, the same bytes: the containers of the first
    levels (a document, its sections) are opened and closed here and their long lists written an
    item at a time, so a document with tens of thousands of findings is never one 65 MB buffer.

    Raises what orjson refuses (:func:`write_json_file` then writes :func:`json_bytes` whole)."""
    yield from _chunks(data, 0)
    yield b"\n"


def _chunks(value: Any, depth: int) -> Iterator[bytes]:
    inner = b"\n" + b"  " * (depth + 1)
    if isinstance(value, dict) and value and depth < 2 and all(isinstance(key, str) for key in value):
        pieces: Iterator[tuple[bytes, Any]] = ((orjson.dumps(key) + b": ", item) for key, item in value.items())
        opening, closing = b"{", b"}"
    elif depth < 3 and (isinstance(value, Reread) or isinstance(value, list) and len(value) >= _STREAMED_LIST):
        pieces = ((b"", item) for item in value)  # a lazy list read once, its length never asked
        opening, closing = b"[", b"]"
    elif isinstance(value, dict) and len(value) > _DICT_SLICE:
        yield from _dict_slices(value, depth)
        return
    else:
        yield orjson.dumps(value, default=_default, option=_OPTIONS).replace(b"\n", inner[:-2])
        return
    yield opening
    empty = True
    for index, (prefix, item) in enumerate(pieces):
        empty = False
        yield (inner if index == 0 else b"," + inner) + prefix
        yield from _chunks(item, depth + 1)
    yield closing if empty else b"\n" + b"  " * depth + closing


def _dict_slices(value: dict[Any, Any], depth: int) -> Iterator[bytes]:
    """A long dict as orjson writes it whole, _DICT_SLICE entries at a time: each slice written as
    a dict of its own, its braces dropped and the slices joined by commas."""
    newline = b"\n" + b"  " * depth
    closing = newline + b"}"
    items = iter(value.items())
    yield b"{"
    for index in range(0, len(value), _DICT_SLICE):
        part = dict(itertools.islice(items, _DICT_SLICE))
        text = orjson.dumps(part, default=_default, option=_OPTIONS).replace(b"\n", newline)
        yield (b"," if index else b"") + text[1:-len(closing)]
    yield closing


def write_json_file(data: Any, path: Path) -> None:
    """``data`` into the file ``path`` as :func:`json_bytes` writes it, piece by piece
    (:func:`json_chunks`); what orjson refuses is written whole through the standard library."""
    try:
        with path.open("wb") as out:
            for chunk in json_chunks(data):
                out.write(chunk)
    except (TypeError, orjson.JSONEncodeError):
        path.write_bytes(json_bytes(data))
