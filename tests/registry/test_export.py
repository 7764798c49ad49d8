"""``sites export``: the import's columns, so export → import round-trips exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from govwatch.registry import export_file, import_file, read_sheet, registered_sites
from govwatch.store.db import Store
from tests.registry.registry_helpers import HEADERS, PROVINCE, dump, write_xlsx


def _registry(store: Store) -> list[dict[str, object]]:
    return [{k: v for k, v in s.as_dict().items() if k not in ("id", "org_id")} for s in registered_sites(store)]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_export_import_round_trip(kind: str, store: Store, tmp_path: Path) -> None:
    assert import_file(store, write_xlsx(tmp_path / "in.xlsx", PROVINCE[::-1])).imported
    path, count = export_file(store, tmp_path / f"out.{kind}")
    assert count == 10
    sheet = read_sheet(path)
    assert list(sheet.headers.values()) == HEADERS and sheet.header_row == 1
    # the same cells as the file imported (rows in hierarchy order)
    assert sorted(list(cells.values()) for _, cells in sheet.rows) == sorted(PROVINCE)
    assert [cells["url"] for _, cells in sheet.rows][:3] == [
        "http://www.nx.gov.cn/", "http://fgw.nx.gov.cn/", "http://www.nc.gov.cn/"]

    before = dump(store)  # into the same store: nothing changes
    again = import_file(store, path)
    assert again.imported and (again.created, again.updated, again.unchanged, again.orgs_updated) == (0, 0, 10, 0)
    assert dump(store) == before

    fresh = Store(f"sqlite:///{tmp_path / 'fresh.db'}")  # into a new store: the same registry
    try:
        assert import_file(fresh, path).imported
        assert _registry(fresh) == _registry(store)
        second, _ = export_file(fresh, tmp_path / f"again.{kind}")
        assert read_sheet(second).rows == sheet.rows
    finally:
        fresh.close()


def test_export_of_one_org(store: Store, tmp_path: Path) -> None:
    assert import_file(store, write_xlsx(tmp_path / "in.xlsx", PROVINCE)).imported
    path, count = export_file(store, tmp_path / "city.csv", "450121")
    rows = [cells for _, cells in read_sheet(path).rows]
    assert count == 3 and [r["url"] for r in rows] == [
        "http://www.qs.gov.cn/", "http://jyj.qs.gov.cn/", "http://www.qs.gov.cn/smz/"]
    assert rows[1]["status"] == "例外" and rows[0]["parent_code"] == "450100"
    # the subtree's parent org (450100) is not in the file: it imports where that org exists
    assert import_file(store, path).unchanged == 3
    fresh = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        problems = import_file(fresh, path).problems
        assert [(p.row, p.column) for p in problems] == [(2, "上级机构代码")]
    finally:
        fresh.close()


def test_export_wrong_type_fails_before_writing(store: Store, tmp_path: Path) -> None:
    from govwatch.registry import SheetError
    with pytest.raises(SheetError, match="不支持的文件类型 .json"):
        export_file(store, tmp_path / "out.json")
    assert not (tmp_path / "out.json").exists()
