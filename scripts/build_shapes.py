"""Write ``src/govwatch/data/lexicons/shapes.txt``: groups of Chinese characters of similar shape (形近字).

    .venv/bin/pip install --no-deps pycorrector==1.1.4 && .venv/bin/python scripts/build_shapes.py

The wording check (``analysis/content/wording.py``) treats two characters as shape-similar when
they share a group of this table. The groups come from pycorrector's ``data/same_stroke.txt``
(Apache License 2.0, https://github.com/shibing624/pycorrector); the file is read from the
installed distribution without importing pycorrector (whose import pulls in jieba, torch and
friends), and inspections never import it: only the table written here ships with govwatch.
Characters outside the CJK ranges the wording check compares are dropped, and so are groups left
with fewer than two characters. ``tests/unit/test_wording_shapes.py`` checks the table against
the installed package when it is present.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src/govwatch/data/lexicons/shapes.txt"
PACKAGE = "pycorrector"
SOURCE_FILE = "data/same_stroke.txt"


def is_cjk(ch: str) -> bool:
    """The ranges ``analysis/content/wording.py`` compares."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def source_path() -> Path:
    """pycorrector's same_stroke.txt in the installed distribution (the package is not imported)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{PACKAGE} is not installed: pip install --no-deps {PACKAGE}")
    return Path(next(iter(spec.submodule_search_locations))) / SOURCE_FILE


def shape_groups(text: str) -> list[str]:
    """One string of distinct CJK characters per line of same_stroke.txt (order kept)."""
    groups: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        chars = "".join(dict.fromkeys(ch for ch in line if is_cjk(ch)))
        if len(chars) >= 2:
            groups.append(chars)
    return groups


def main() -> int:
    path = source_path()
    groups = shape_groups(path.read_text(encoding="utf-8"))
    version = importlib.metadata.version(PACKAGE)
    lines = ["# Groups of Chinese characters of similar shape (形近字), one group per line.",
             f"# Source: {PACKAGE} {version}, {SOURCE_FILE} (Apache License 2.0,",
             "# https://github.com/shibing624/pycorrector); written by scripts/build_shapes.py.",
             "# Two characters are shape-similar when one line holds both."]
    TARGET.write_text("\n".join(lines + groups) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(groups)} groups, {len(set(''.join(groups)))} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
