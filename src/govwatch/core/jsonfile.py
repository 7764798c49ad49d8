"""JSON as govwatch writes it, non-ASCII kept: indented documents (inspection JSON, command
output) and compact page facts (the store). orjson writes both; what it refuses (integers
beyond 64 bits, lone surrogates) goes through the standard library."""

from __future__ import annotations

import json
from typing import Any

import orjson


def json_bytes(data: Any) -> bytes:
    """``data`` as indented UTF-8 JSON ending in a newline.

    orjson writes it in one buffer; the standard library's indenting encoder first builds a
    list of millions of small strings (tens of MB for a large site's inspection)."""
    try:
        return orjson.dumps(data, default=str, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS
                            | orjson.OPT_APPEND_NEWLINE)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8") + b"\n"


def facts_text(data: dict[str, Any]) -> str:
    """The stored JSON text of a page's facts: compact (orjson writes the same text as
    ``json.dumps(ensure_ascii=False, separators=(",", ":"))``, eight times faster)."""
    try:
        return orjson.dumps(data).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
