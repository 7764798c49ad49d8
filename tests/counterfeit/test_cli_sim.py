"""``govwatch counterfeit`` against the simulator's counterfeit copy (``SimOptions.clone``: the trs site
served again on 127.0.0.2 with its phone and address changed, identifiers kept; manifest ``clones``),
through the real CLI, a real SQLite store and real HTTP."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from govwatch.commands.main import main
from govwatch.sim import SimServer
from govwatch.sim.registry_sheet import HEADERS, registry_rows
from govwatch.store.counterfeit_rows import suspect_rows
from govwatch.store.db import Store
from tests.counterfeit.conftest import CLONE_OPTIONS as OPTIONS
from tests.counterfeit.conftest import CLONED
from tests.counterfeit.corpus_support import CORPUS

LOOPBACK = ["--allow-private", "127.0.0.0/8"]


@pytest.fixture()
def sim(clone_sim: SimServer) -> SimServer:
    return clone_sim


def _write_registry(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _store(tmp_path: Path, rows: list[dict[str, str]]) -> str:
    db = str(tmp_path / "gw.db")
    assert main(["sites", "import", str(_write_registry(tmp_path / "sites.csv", rows)), "--db", db]) == 0
    return db


def _site_id(db: str, url: str) -> int:
    from govwatch.store.registry_rows import site_id_of

    site_id = site_id_of(Store(db), url)
    assert site_id is not None
    return site_id


def test_the_manifest_lists_the_clone_with_its_edits(sim: SimServer) -> None:
    [clone] = sim.manifest["clones"]
    genuine = sim.manifest["sites"][CLONED]
    assert clone["site"] == CLONED and clone["impersonates"] == genuine["homepage"]
    assert clone["host"].startswith("127.0.0.2:") and clone["site_code"] == genuine["site_code"]
    assert set(clone["edited"]) == {"phone", "address"}
    import urllib.request

    body = urllib.request.urlopen(clone["homepage"], timeout=10).read().decode("utf-8")
    assert clone["edited"]["phone"]["counterfeit"] in body and clone["edited"]["phone"]["genuine"] not in body
    assert genuine["site_code"] in body  # identifiers kept


def test_check_flags_the_clone_and_no_genuine_site(sim: SimServer, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    rows = registry_rows(OPTIONS, sim.manifest)
    for row in rows:  # the registry knows the genuine contact: the copy's differs
        if row["首页网址"] == sim.site_url(CLONED):
            row["联系方式"] = sim.manifest["clones"][0]["edited"]["phone"]["genuine"]
    db = _store(tmp_path, rows)
    clone_url = sim.manifest["clones"][0]["homepage"]
    capsys.readouterr()
    assert main(["counterfeit", "check", clone_url, "--db", db, *LOOPBACK]) == 0
    out = capsys.readouterr().err
    assert "判定：假冒网站（counterfeit）" in out and sim.manifest["sites"][CLONED]["name"] in out
    assert "页面联系方式" in out and "已记入假冒网站线索" in out
    [row] = suspect_rows(Store(db))
    assert row["site_id"] == _site_id(db, sim.site_url(CLONED))
    assert (row["url"], row["verdict"], row["source"], row["state"]) == (clone_url, "counterfeit", "check", "open")
    assert {"site_code", "icp"} <= {i["which"] for i in row["evidence"]["identifiers"]}  # the 公安备案 may be planted legacy
    for site_id, site in sim.manifest["sites"].items():  # every genuine homepage: its own site's page
        assert main(["counterfeit", "check", site["homepage"], "--db", db, *LOOPBACK]) == 0, site_id
        assert "判定：登记网站自身的页面（genuine）" in capsys.readouterr().err, site_id
    assert len(suspect_rows(Store(db))) == 1
    assert main(["counterfeit", "check", clone_url, "--db", db, *LOOPBACK]) == 0  # seen again: same row
    [again] = suspect_rows(Store(db))
    assert again["id"] == row["id"] and again["first_seen_at"] == row["first_seen_at"]


def test_candidates_probe_finds_the_clone_on_a_lookalike_host(sim: SimServer, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The cloned site registered under a host name (www.sqsim.gov.cn → 127.0.0.1, as curl --resolve);
    the look-alike djsqsim.gov.cn resolves to the copy on 127.0.0.2; offline, no other name is probed."""
    genuine = sim.site_url(CLONED)
    port = int(genuine.rstrip("/").rsplit(":", 1)[1])
    clone = sim.manifest["clones"][0]
    if clone["host"] != f"127.0.0.2:{port}":
        pytest.skip("the copy could not bind the genuine site's port on 127.0.0.2")
    rows = registry_rows(OPTIONS, sim.manifest)
    registered = f"http://www.sqsim.gov.cn:{port}/"
    for row in rows:
        if row["首页网址"] == genuine:
            row["首页网址"] = registered
    db = _store(tmp_path, rows)
    config = tmp_path / "gw.yaml"
    config.write_text("crawl:\n  network: offline\nsecurity:\n  timeout: 5\n  hosts:\n"
                      "    - www.sqsim.gov.cn=127.0.0.1\n    - djsqsim.gov.cn=127.0.0.2\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["counterfeit", "candidates", "--probe", "--db", db, "--config", str(config), "--json",
                 str(tmp_path / "out.json")]) == 0
    out = capsys.readouterr().err
    assert "发现假冒 1 个" in out and "离线模式未探测" in out and "有地址 1 个" in out
    [row] = suspect_rows(Store(db))
    assert row["site_id"] == _site_id(db, registered)
    assert (row["url"], row["verdict"], row["source"]) == (f"http://djsqsim.gov.cn:{port}/", "counterfeit", "candidate")
    assert row["evidence"]["host"]["lookalike"] == "prefix"


def _corpus_registry(tmp_path: Path) -> str:
    row: dict[str, Any] = dict.fromkeys(HEADERS, "")
    row.update({"网站名称": "江苏省人民政府", "首页网址": "http://www.jiangsu.gov.cn/", "网站标识码": "3200000084"})
    return _store(tmp_path, [row])


def test_candidates_lists_lookalikes_without_probing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _corpus_registry(tmp_path)
    capsys.readouterr()
    assert main(["counterfeit", "candidates", "--db", db, "--limit", "3"]) == 0
    out = capsys.readouterr().err
    assert "江苏省人民政府（http://www.jiangsu.gov.cn/）：3 个相似域名" in out
    assert "  djjiangsu.gov.cn" in out and "zwjiangsu.gov.cn" in out and "govjiangsu.gov.cn" not in out


@pytest.mark.skipif(not (CORPUS / "manifest.jsonl").is_file(), reason="real-page corpus not present")
def test_check_a_saved_file_needs_where_it_was_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _corpus_registry(tmp_path)
    page = str(CORPUS / "pages" / "003.html")
    capsys.readouterr()
    assert main(["counterfeit", "check", page, "--db", db]) == 2
    assert "须用 --found-at 指明" in capsys.readouterr().err
    assert main(["counterfeit", "check", page, "--found-at", "djjiangsu.gov.cn", "--db", db]) == 2
    assert "--found-at 须是 http(s) 网址" in capsys.readouterr().err
    assert main(["counterfeit", "check", page, "--found-at", "http://djjiangsu.gov.cn/", "--db", db]) == 0
    out = capsys.readouterr().err
    assert "判定：假冒网站（counterfeit）" in out and "在登记域名前加字符" in out
    [row] = suspect_rows(Store(db))
    assert row["host"] == "djjiangsu.gov.cn" and row["source"] == "check"


@pytest.mark.parametrize(("argv", "message"), [
    (["counterfeit", "check", "/nonexistent/page.html", "--found-at", "http://a.example/"], "无法读取"),
    (["counterfeit", "candidates"], "库中没有登记网站"),
    (["counterfeit", "candidates", "--limit", "0"], "--limit 须是正整数"),
    (["counterfeit", "candidates", "--org", "999999"], "999999"),
])
def test_bad_input_exits_2_with_a_chinese_message(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  argv: list[str], message: str) -> None:
    db = str(tmp_path / "empty.db")
    assert main([*argv, "--db", db]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.skipif(not (CORPUS / "manifest.jsonl").is_file(), reason="real-page corpus not present")
def test_list_and_mark_the_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _corpus_registry(tmp_path)
    page = str(CORPUS / "pages" / "003.html")
    assert main(["counterfeit", "check", page, "--found-at", "http://djjiangsu.gov.cn/a.html", "--db", db]) == 0
    [row] = suspect_rows(Store(db))
    capsys.readouterr()
    assert main(["counterfeit", "list", "--db", db]) == 0
    out = capsys.readouterr().err
    assert f"[{row['id']}] 假冒网站，置信度 {row['confidence']:.2f}，待处理：http://djjiangsu.gov.cn/a.html（冒用：江苏省人民政府；" in out
    assert "共 1 条假冒网站线索" in out
    assert main(["counterfeit", "mark", str(row["id"]), "reported", "--db", db]) == 0
    assert "已报告" in capsys.readouterr().err
    assert suspect_rows(Store(db))[0]["state"] == "reported"
    assert main(["counterfeit", "list", "--state", "open", "--db", db]) == 0
    assert "共 0 条假冒网站线索" in capsys.readouterr().err
    assert main(["counterfeit", "mark", "999", "closed", "--db", db]) == 2
    assert "没有编号为 999 的假冒网站线索" in capsys.readouterr().err
    assert main(["counterfeit", "mark", str(row["id"]), "done", "--db", db]) == 2
    assert "状态须是 open、reported、closed 之一" in capsys.readouterr().err
    assert main(["counterfeit", "list", "--site", "http://www.nowhere.gov.cn/", "--db", db]) == 2
    assert "系统中没有首页为 http://www.nowhere.gov.cn/ 的网站" in capsys.readouterr().err
