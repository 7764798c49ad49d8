"""Markup that inline JavaScript writes: the string literals of ``document.write`` and its kin.

A write call (``document.write``/``writeln``, ``innerHTML``/``outerHTML`` assignments,
``insertAdjacentHTML``) is read as the concatenation of the string literals in its argument,
unescaped (JavaScript escapes; ``unescape('%3C...')`` and other percent-encoded markup).
Variables and expressions between the literals are not evaluated. ``createElement`` loaders
give the URL they set as ``.src``. No script is run.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote

__all__ = ["written_markup", "js_unescape", "call_literals"]

_WRITE_AT = re.compile(r"document\s*\.\s*write(?:ln)?\s*\(|\.(?:inner|outer)HTML\s*\+?=|insertAdjacentHTML\s*\(")
_SRC_SET = re.compile(r"\.src\s*=\s*(['\"])(?P<u>[^'\"\r\n]{4,500})\1")
_JS_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "", "b": "", "f": "", "v": ""}


def js_unescape(s: str) -> str:
    """A JavaScript string literal's body with its escapes (``\\xNN``, ``\\uNNNN``, ``\\n`` ...) read."""
    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "xu" and len(e) > 1:
            return chr(int(e[1:], 16))
        return _SIMPLE_ESCAPES.get(e, e)
    return _JS_ESCAPE.sub(one, s) if "\\" in s else s


def call_literals(script: str, start: int, limit: int = 20000) -> str:
    """The string literals of one write call's argument (from ``start``, just after the call's
    opening), joined: concatenations read as one string."""
    parts: list[str] = []
    depth = 0
    i = start
    end = min(len(script), start + limit)
    while i < end:
        c = script[i]
        if c in "'\"`":
            j = i + 1
            while j < end and script[j] != c:
                j += 2 if script[j] == "\\" else 1
            parts.append(script[i + 1:j])
            i = j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                break
            depth -= 1
        elif c == ";" or (c == "\n" and depth == 0 and script[start:i].rstrip()[-1:] not in ("+", "(", ",")):
            if depth == 0:
                break
        i += 1
    text = js_unescape("".join(parts))
    if "%3c" in text.lower() or "unescape" in script[start - 40 if start >= 40 else 0:start + 20]:
        text = unquote(text)
    return text


@lru_cache(maxsize=1024)
def written_markup(script: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(HTML fragments the script writes that hold links, scripts or frames; URLs it sets as a
    created element's ``src``) — cached: template scripts repeat on every page."""
    fragments: list[str] = []
    if ("write" in script or "HTML" in script) and _WRITE_AT.search(script):
        for m in _WRITE_AT.finditer(script):
            text = call_literals(script, m.end())
            low = text.lower()
            if "<a" in low or "<script" in low or "<iframe" in low or "<frame" in low:
                fragments.append(text)
    sources: list[str] = []
    if "createElement" in script and ".src" in script:
        sources = [m.group("u").strip() for m in _SRC_SET.finditer(script)]
    return tuple(fragments), tuple(sources)
