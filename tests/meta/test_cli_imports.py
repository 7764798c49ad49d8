"""The CLI's entry module stays light: every crawl's extraction worker is a spawned process that
imports it again (multiprocessing re-imports the main script), so what it imports at module level
is paid in memory by every worker. Heavy libraries are imported by the commands that use them."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlalchemy", "alembic", "asyncio", "aiohttp", "pycurl", "playwright", "openpyxl", "docx", "zstandard")


def test_the_entry_module_imports_no_heavy_library() -> None:
    code = ("import sys, govwatch.commands.main; "
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == [], f"govwatch.commands.main imports {loaded} at module level"
