"""``govwatch sites …`` and ``govwatch filing …`` through ``govwatch.commands.main.main``: exit codes and output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govwatch.commands.main import main
from govwatch.store.db import Store
from tests.registry.registry_helpers import PROVINCE, counts, with_cell, write_csv, write_xlsx


def _flat(text: str) -> str:
    """Text without whitespace (the console wraps long lines, also between Chinese characters)."""
    return "".join(text.split())


def _counts(db: Path) -> tuple[int, int, int]:
    store = Store(str(db))
    try:
        return counts(store)
    finally:
        store.close()


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "gw.db"
    assert main(["sites", "import", str(write_xlsx(tmp_path / "province.xlsx", PROVINCE)), "--db", str(path)]) == 0
    return path


def test_import_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "gw.db"
    path = write_csv(tmp_path / "p.csv", PROVINCE)
    assert main(["sites", "import", str(path), "--db", str(db)]) == 0
    err = capsys.readouterr().err
    assert "10 rows valid; 10 sites created, 0 updated, 0 unchanged, orgs: 9 created, 0 updated" in err
    assert _counts(db) == (10, 10, 9)
    assert main(["sites", "import", str(path), "--db", str(db), "--dry-run"]) == 0
    assert "10 unchanged" in capsys.readouterr().err


def test_import_bad_rows_exit_2_and_import_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "gw.db"
    rows = with_cell(with_cell(PROVINCE, 1, "网站标识码", "1234567890"), 6, "网站类型", "主站")
    code = main(["sites", "import", str(write_csv(tmp_path / "bad.csv", rows)), "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "bad.csv: 2 problems in 2 rows; nothing imported" in err
    assert "row 3, 网站标识码: 1234567890 is a placeholder, not a real 网站标识码" in err
    assert "row 8, 网站类型: unknown 网站类型 '主站' (one of 本级门户、部门、下属单位)" in err
    assert _counts(db) == (0, 0, 0)


@pytest.mark.parametrize("name, content, message", [
    ("sites.txt", b"x", "unsupported file type '.txt'"),
    ("sites.xlsx", b"PK nope", "as an .xlsx workbook"),
    ("sites.csv", b"a,b\n", "missing required columns 网站名称, 首页网址"),
    ("missing.csv", None, "no such file"),
])
def test_import_unreadable_file_exit_2(name: str, content: bytes | None, message: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    if content is not None:
        (tmp_path / name).write_bytes(content)
    assert main(["sites", "import", str(tmp_path / name), "--db", str(tmp_path / "gw.db")]) == 2
    err = capsys.readouterr().err
    assert _flat(message) in _flat(err) and "Traceback" not in err


def test_list_shows_org_paths(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sites", "list", "--db", str(db), "--org", "450100"]) == 0
    out = capsys.readouterr().out
    assert "宁川市 › 宁川市发展和改革委员会" in out and "宁川市 › 青山县 › 石门镇" in out
    assert "宁川省 ›" not in out and "www.nx.gov.cn" not in out and "东江市" not in out
    assert "7 registered sites: 5 正常, 2 例外/关停 (not inspected)" in out
    assert main(["sites", "list", "--db", str(db)]) == 0
    assert "宁川省 › 宁川市 › 宁川市发展和改革委员会" in capsys.readouterr().out


def test_list_json(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "sites.json"
    assert main(["sites", "list", "--db", str(db), "--org", "450121", "--json", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["org"] == "450121" and [s["url"] for s in doc["sites"]] == [
        "http://www.qs.gov.cn/", "http://jyj.qs.gov.cn/", "http://www.qs.gov.cn/smz/"]
    assert doc["sites"][1]["status"] == "例外" and doc["sites"][2]["org_path"] == ["宁川省", "宁川市", "青山县", "石门镇"]


def test_unknown_org_exit_2(db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["sites", "list", "--db", str(db), "--org", "nope"]) == 2
    assert "no org with code 'nope'" in capsys.readouterr().err
    assert main(["sites", "export", str(tmp_path / "x.csv"), "--db", str(db), "--org", "nope"]) == 2
    assert not (tmp_path / "x.csv").exists()


def test_export_then_import_exit_0(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "export.xlsx"
    assert main(["sites", "export", str(out), "--db", str(db)]) == 0
    assert f"10 registered sites written to {out}" in capsys.readouterr().err
    assert main(["sites", "import", str(out), "--db", str(db)]) == 0
    assert "0 sites created, 0 updated, 10 unchanged" in capsys.readouterr().err
    assert main(["sites", "export", str(tmp_path / "x.pdf"), "--db", str(db)]) == 2


def test_filing_add_and_list(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["filing", "add", "http://www.qs.gov.cn/", "--from", "2026-12-01", "--to", "2026-12-07",
                 "--reason", "网站改版", "--kinds", "stale_column,homepage_not_updated", "--db", str(db)]) == 0
    err = capsys.readouterr().err
    assert "filing 1: http://www.qs.gov.cn/ 2026-12-01 – 2026-12-07 (stale_column, homepage_not_updated): 网站改版" in err
    assert main(["filing", "list", "--db", str(db), "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(f["site_url"], f["starts"], f["ends"], f["kinds"]) for f in doc["filings"]] == [
        ("http://www.qs.gov.cn/", "2026-12-01", "2026-12-07", ["stale_column", "homepage_not_updated"])]
    assert main(["filing", "list", "--db", str(db), "--site", "http://www.qs.gov.cn/"]) == 0
    assert "网站改版" in capsys.readouterr().out


@pytest.mark.parametrize("extra, message", [
    (["http://www.qs.gov.cn/", "--from", "2026-12-07", "--to", "2026-12-01"], "--to 2026-12-01 is before --from"),
    (["http://www.qs.gov.cn/", "--from", "2026-12-01", "--to", "12/07"], "--to must be a date YYYY-MM-DD"),
    (["http://www.none.gov.cn/", "--from", "2026-12-01", "--to", "2026-12-02"], "no site http://www.none.gov.cn/"),
    (["http://www.qs.gov.cn/", "--from", "2026-12-01", "--to", "2026-12-02", "--kinds", "a b"], "not a finding kind"),
])
def test_filing_add_bad_input_exit_2(extra: list[str], message: str, db: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["filing", "add", *extra, "--reason", "x", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert _flat(message) in _flat(err) and "Traceback" not in err
    assert main(["filing", "list", "--db", str(db), "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["filings"] == []


def test_filing_list_unknown_site_exit_2(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["filing", "list", "--db", str(db), "--site", "http://www.none.gov.cn/"]) == 2
    assert _flat("no site http://www.none.gov.cn/ in the store") in _flat(capsys.readouterr().err)
