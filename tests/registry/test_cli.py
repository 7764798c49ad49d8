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
    assert "10 行均有效；新建网站 10 个，更新 0 个，未变 0 个，机构新建 9 个、更新 0 个" in err
    assert _counts(db) == (10, 10, 9)
    assert main(["sites", "import", str(path), "--db", str(db), "--dry-run"]) == 0
    assert "未变 10 个" in capsys.readouterr().err


def test_import_bad_rows_exit_2_and_import_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "gw.db"
    rows = with_cell(with_cell(PROVINCE, 1, "网站标识码", "1234567890"), 6, "网站类型", "主站")
    code = main(["sites", "import", str(write_csv(tmp_path / "bad.csv", rows)), "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "bad.csv：2 行共有 2 处问题，未导入任何记录" in err
    assert "第3行「网站标识码」：1234567890 是占位号码，不是真实的网站标识码" in err
    assert "第8行「网站类型」：无法识别的网站类型「主站」（可填：本级门户、部门、下属单位）" in err
    assert _counts(db) == (0, 0, 0)


@pytest.mark.parametrize("name, content, message", [
    ("sites.txt", b"x", "不支持的文件类型 .txt"),
    ("sites.xlsx", b"PK nope", "作为 .xlsx 工作簿读取"),
    ("sites.csv", b"a,b\n", "缺少必填列：网站名称、首页网址"),
    ("missing.csv", None, "文件不存在"),
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
    assert "已登记网站 7 个：正常 5 个，例外/关停 2 个（不检查）" in out
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
    assert "没有机构代码为 'nope' 的机构" in capsys.readouterr().err
    assert main(["sites", "export", str(tmp_path / "x.csv"), "--db", str(db), "--org", "nope"]) == 2
    assert not (tmp_path / "x.csv").exists()


def test_export_then_import_exit_0(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "export.xlsx"
    assert main(["sites", "export", str(out), "--db", str(db)]) == 0
    assert f"已将 10 个已登记网站写入 {out}" in capsys.readouterr().err
    assert main(["sites", "import", str(out), "--db", str(db)]) == 0
    assert "新建网站 0 个，更新 0 个，未变 10 个" in capsys.readouterr().err
    assert main(["sites", "export", str(tmp_path / "x.pdf"), "--db", str(db)]) == 2


def test_filing_add_and_list(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["filing", "add", "http://www.qs.gov.cn/", "--from", "2026-12-01", "--to", "2026-12-07",
                 "--reason", "网站改版", "--kinds", "stale_column,homepage_not_updated", "--db", str(db)]) == 0
    err = capsys.readouterr().err
    assert "临时报备 1 已登记：http://www.qs.gov.cn/ 2026-12-01 至 2026-12-07（stale_column、homepage_not_updated），事由：网站改版" in err
    assert main(["filing", "list", "--db", str(db), "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(f["site_url"], f["starts"], f["ends"], f["kinds"]) for f in doc["filings"]] == [
        ("http://www.qs.gov.cn/", "2026-12-01", "2026-12-07", ["stale_column", "homepage_not_updated"])]
    assert main(["filing", "list", "--db", str(db), "--site", "http://www.qs.gov.cn/"]) == 0
    assert "网站改版" in capsys.readouterr().out


@pytest.mark.parametrize("extra, message", [
    (["http://www.qs.gov.cn/", "--from", "2026-12-07", "--to", "2026-12-01"], "结束日期 2026-12-01 早于开始日期 2026-12-07"),
    (["http://www.qs.gov.cn/", "--from", "2026-12-01", "--to", "12/07"], "结束日期（--to）须为 YYYY-MM-DD 格式的日期"),
    (["http://www.none.gov.cn/", "--from", "2026-12-01", "--to", "2026-12-02"], "系统中没有首页为 http://www.none.gov.cn/ 的网站"),
    (["http://www.qs.gov.cn/", "--from", "2026-12-01", "--to", "2026-12-02", "--kinds", "a b"], "不是问题类型"),
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
    assert _flat("系统中没有首页为 http://www.none.gov.cn/ 的网站") in _flat(capsys.readouterr().err)
