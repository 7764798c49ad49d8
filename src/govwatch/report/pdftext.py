"""Make Chinese text copied from Chromium's PDFs read as the ideographs that were printed.

Noto CJK fonts draw a radical and its ideograph with one glyph (⺠ and 民, ⽹ and 网).
Chromium's PDF writer maps each glyph back to the *lowest* code point that uses it,
so text copied or extracted from the PDF reads "⽹站" instead of "网站". This
module appends an incremental update to the PDF that replaces those radicals in
the fonts' ``/ToUnicode`` maps with the ideographs (Kangxi radicals by NFKC, the
CJK Radicals Supplement by a table read from the Simplified-Chinese Noto faces).
Pages and glyphs are untouched. Anything unexpected leaves the file as it is.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from pathlib import Path

# CJK Radicals Supplement code points that Noto Sans/Serif CJK SC draw with the glyph of a
# BMP ideograph (read from the fonts' cmaps); Kangxi radicals (U+2F00–2FD5) go through NFKC,
# except ⼾, which the SC faces draw as 户.
_SUPPLEMENT = dict(zip(
    "⺂⺃⺅⺉⺋⺎⺏⺐⺒⺓⺔⺕⺖⺘⺙⺛⺞⺠⺡⺣⺤⺦⺨⺫⺭⺯⺰⺱⺲⺳⺹⺺⺾⺿⻀⻁⻂⻃⻅⻆⻈⻉⻋⻌⻐⻑⻒⻓⻔⻖⻘⻙⻚⻛⻜⻝⻟⻠⻢⻣⻤⻥⻦⻧⻨⻩⻪⻫⻬⻮⻯⻰⻱⻲⼾",
    "乛乚亻刂㔾兀尣尢巳幺彑彐忄扌攵旡歺民氵灬爫丬犭罒礻糹纟罓罒㓁耂肀艹艹艹虎衤覀见角讠贝车辶钅長镸长门阝青韦页风飞食飠饣马骨鬼鱼鸟卤麦黄黾斉齐齿竜龙龜亀户",
    strict=True))
_OBJ = re.compile(rb"(\d+) 0 obj\s*<<(.*?)>>\s*stream\r?\n", re.DOTALL)
_TOUNICODE = re.compile(rb"/ToUnicode (\d+) 0 R")


def ideograph(cp: int) -> int:
    """The ideograph a radical code point stands for in Chinese text (``cp`` itself otherwise)."""
    char = chr(cp)
    if char in _SUPPLEMENT:
        return ord(_SUPPLEMENT[char])
    if 0x2F00 <= cp <= 0x2FDF:
        norm = unicodedata.normalize("NFKC", char)
        if len(norm) == 1 and ord(norm) <= 0xFFFF:
            return ord(norm)
    return cp


_BFCHAR = re.compile(rb"^(\s*<[0-9A-Fa-f]+>\s*<)([0-9A-Fa-f]{4})(>\s*)$")


def _fix_cmap(text: bytes) -> bytes:
    """Rewrite the destinations of ``bfchar`` entries (ranges are left alone)."""
    out = []
    in_bfchar = False
    for line in text.split(b"\n"):
        if line.rstrip().endswith(b"beginbfchar"):
            in_bfchar = True
        elif line.strip() == b"endbfchar":
            in_bfchar = False
        elif in_bfchar and (m := _BFCHAR.match(line)):
            cp = int(m.group(2), 16)
            if 0x2E80 <= cp <= 0x2FDF:
                line = m.group(1) + b"%04X" % ideograph(cp) + m.group(3)
        out.append(line)
    return b"\n".join(out)


def fix_tounicode(path: Path) -> int:
    """Rewrite radical code points in the PDF's ToUnicode maps; returns how many maps changed."""
    data = path.read_bytes()
    try:
        updates = _updated_objects(data)
        if not updates:
            return 0
        path.write_bytes(data + _increment(data, updates))
    except (ValueError, zlib.error, IndexError):
        return 0
    return len(updates)


def _updated_objects(data: bytes) -> dict[int, bytes]:
    wanted = {int(n) for n in _TOUNICODE.findall(data)}
    updates: dict[int, bytes] = {}
    for m in _OBJ.finditer(data):
        num = int(m.group(1))
        if num not in wanted:
            continue
        header = m.group(2)
        length = re.search(rb"/Length (\d+)(?!\s+\d+\s+R)", header)
        if length is None:
            continue
        raw = data[m.end():m.end() + int(length.group(1))]
        flate = b"/FlateDecode" in header
        text = zlib.decompress(raw) if flate else raw
        fixed = _fix_cmap(text)
        if fixed != text:
            body = zlib.compress(fixed)
            updates[num] = (b"%d 0 obj\n<</Filter /FlateDecode\n/Length %d>> stream\n" % (num, len(body))
                            + body + b"\nendstream\nendobj\n")
    return updates


def _increment(data: bytes, updates: dict[int, bytes]) -> bytes:
    """An incremental update (new objects, xref section, trailer with /Prev) appended to ``data``."""
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    trailer = re.findall(rb"trailer\s*<<(.*?)>>\s*startxref", data, re.DOTALL)[-1]
    out = bytearray(b"\n")
    offsets = {}
    for num in sorted(updates):
        offsets[num] = len(data) + len(out)
        out += updates[num]
    xref_at = len(data) + len(out)
    out += b"xref\n"
    for num in sorted(offsets):
        out += b"%d 1\n%010d 00000 n \n" % (num, offsets[num])
    kept = re.sub(rb"/Prev \d+", b"", trailer).strip()
    out += b"trailer\n<<" + kept + b"\n/Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (prev, xref_at)
    return bytes(out)
