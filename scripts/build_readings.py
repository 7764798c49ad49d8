"""Write ``src/govwatch/data/lexicons/readings.txt``: toneless pinyin readings of CJK characters.

    .venv/bin/pip install pypinyin && .venv/bin/python scripts/build_readings.py

The wording check (``content/wording.py``) treats two characters as homophones when they share
a reading. Importing pypinyin at run time costs about 55 MB of memory in every inspection, so its
single-character dictionary is written once into this compact table (one line per reading:
the reading, a tab, every character with it) and shipped with the package. Run this again after
upgrading pypinyin; ``tests/unit/test_readings.py`` checks the table against pypinyin.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pypinyin
from pypinyin import Style, pinyin

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src/govwatch/data/lexicons/readings.txt"
RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF))  # what content/wording.py counts as CJK


def readings(ch: str) -> list[str]:
    """pypinyin's toneless readings (heteronyms included) of one character, [] when it has none."""
    got = pinyin(ch, style=Style.NORMAL, heteronym=True, errors=lambda _c: [[]])
    return sorted({r for r in (got[0] if got else []) if r and r.isascii() and r.isalpha()})


def main() -> int:
    by_reading: dict[str, list[str]] = defaultdict(list)
    for lo, hi in RANGES:
        for code in range(lo, hi + 1):
            ch = chr(code)
            for r in readings(ch):
                by_reading[r].append(ch)
    lines = ["# Toneless pinyin readings (heteronyms included) of CJK characters U+4E00-9FFF, U+3400-4DBF.",
             f"# Source: pypinyin {pypinyin.__version__} (MIT licence), Style.NORMAL; written by scripts/build_readings.py.",
             "# Format: reading<TAB>characters with that reading."]
    lines += [f"{r}\t{''.join(chars)}" for r, chars in sorted(by_reading.items())]
    TARGET.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(by_reading)} readings, {sum(map(len, by_reading.values()))} character readings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
