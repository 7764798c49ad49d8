"""Shared by the 找错/留言 tests: a store with the 宁川市 registry of tests/rectify/fixtures
(宁川市人民政府 3201000001 http://www.ningchuan.gov.cn/, 宁川市发展和改革委员会 3201000002
http://fgw.ningchuan.gov.cn/, 宁川市教育局 3201000003 http://www.ningchuan.gov.cn/jyj/)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from govwatch.core.clock import SHANGHAI
from govwatch.registry.importer import import_file
from govwatch.store.db import Store

FIXTURES = Path(__file__).parent / "fixtures"
PORTAL = "http://www.ningchuan.gov.cn/"
FGW = "http://fgw.ningchuan.gov.cn/"
JYJ = "http://www.ningchuan.gov.cn/jyj/"


def registered(store: Store) -> dict[str, int]:
    """Register the three 宁川市 sites; their ids by homepage URL."""
    result = import_file(store, FIXTURES / "ningchuan_sites.csv")
    assert result.imported and result.created == 3, result.problems
    return {store.site(i)["url"]: i for i in store.site_ids()}


def bj(*parts: int) -> datetime:
    """A Beijing time."""
    return datetime(*parts, tzinfo=SHANGHAI)
