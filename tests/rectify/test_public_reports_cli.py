"""``govwatch inbox``: import, add, list, show, forward, answer, close and figures through the real
command line on a real SQLite store; bad input exits 2 with a Chinese message, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govwatch.commands.main import main
from tests.rectify.public_report_support import FGW, FIXTURES, PORTAL


@pytest.fixture()
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "gw.db")
    assert main(["sites", "import", str(FIXTURES / "ningchuan_sites.csv"), "--db", path]) == 0
    return path


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(argv) == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def test_import_list_and_the_whole_life_of_a_report(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inbox", "import", str(FIXTURES / "zhaocuo_export.csv"), "--channel", "找错", "--db", db]) == 0
    err = capsys.readouterr().err
    assert "5行有效，新导入5条，已存在跳过0条" in err and "1条未匹配到已登记的网站" in err
    assert main(["inbox", "import", str(FIXTURES / "zhaocuo_export.csv"), "--channel", "zhaocuo", "--db", db]) == 0
    assert "新导入0条，已存在跳过5条" in capsys.readouterr().err

    listed = _json(capsys, ["inbox", "list", "--site", PORTAL, "--json", "--db", db])["reports"]
    assert isinstance(listed, list)
    assert [r["external_id"] for r in listed] == ["ZC2026093000012"]
    rid = str(listed[0]["id"])

    assert main(["inbox", "forward", rid, "--at", "2026-10-08 09:00", "--db", db]) == 0
    assert main(["inbox", "answer", rid, "--text", "该链接已修复", "--at", "2026-10-12 09:00", "--db", db]) == 0
    assert main(["inbox", "close", rid, "--at", "2026-10-12 10:00", "--db", db]) == 0
    capsys.readouterr()
    assert main(["inbox", "show", rid, "--db", db]) == 0
    shown = capsys.readouterr().out
    assert "转办时间：2026-10-08 09:00（按时）" in shown
    assert "答复时间：2026-10-12 09:00（超期）" in shown  # due 10-10 (the make-up Saturday)
    assert "状态：已办结" in shown and "导入" in shown and "办结" in shown
    detail = _json(capsys, ["inbox", "show", rid, "--json", "--db", db])
    assert [e["action"] for e in detail["events"]] == ["import", "forward", "answer", "close"]  # type: ignore[index, union-attr]

    closed = _json(capsys, ["inbox", "list", "--state", "closed", "--json", "--db", db])["reports"]
    assert [r["id"] for r in closed] == [int(rid)]  # type: ignore[union-attr]


def test_add_by_hand_and_the_overdue_list(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inbox", "add", "--channel", "留言", "--title", "新生儿医保在哪里办理", "--received", "2026-09-30 11:00",
                 "--site", FGW, "--category", "咨询", "--reporter", "周**", "--db", db]) == 0
    err = capsys.readouterr().err
    assert "已登记留言 1（编号 GW-000001，宁川市发展和改革委员会）" in err
    assert "转办期限 2026-10-08 23:59，答复期限 2026-10-08 23:59" in err
    overdue = _json(capsys, ["inbox", "list", "--overdue", "--json", "--db", db])["reports"]  # now is long after
    assert [(r["id"], r["overdue_steps"]) for r in overdue] == [(1, ["forward", "answer"])]  # type: ignore[union-attr]
    capsys.readouterr()
    assert main(["inbox", "list", "--db", db]) == 0
    table = capsys.readouterr().out
    assert "新生儿医保在哪里办理" in table and "转办逾期、答复逾期" in table


def test_figures_per_org_site(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inbox", "import", str(FIXTURES / "liuyan_export.xlsx"), "--channel", "message", "--db", db]) == 0
    assert main(["inbox", "answer", "1", "--text", "国庆期间大厅开放，可办理社保业务", "--at", "2026-10-08 10:00",
                 "--db", db]) == 0
    data = _json(capsys, ["inbox", "figures", "--from", "2026-09-01", "--to", "2026-09-30", "--json", "--db", db])
    sites = data["sites"]
    assert isinstance(sites, dict)
    assert sites[PORTAL]["received"] == 2 and sites[PORTAL]["answered_on_time"] == 1
    assert sites[PORTAL]["overdue_open"] == 1  # the 投诉 of 09-30 was never answered (due 10-13)
    assert sites[FGW]["received"] == 0  # its 留言 came on 10-09, after the period
    capsys.readouterr()
    assert main(["inbox", "figures", "--from", "2026-09-01", "--to", "2026-09-30", "--db", db]) == 0
    assert "宁川市人民政府" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "message"), [
    (["inbox", "import", str(FIXTURES / "zhaocuo_bad.csv"), "--channel", "zhaocuo"], "4处问题，未导入任何记录"),
    (["inbox", "import", str(FIXTURES / "zhaocuo_export.csv")], "缺少列 渠道"),
    (["inbox", "forward", "99"], "没有编号为 99 的找错/留言记录"),
    (["inbox", "add", "--channel", "zhaocuo", "--title", "x", "--received", "昨天"], "--received 应为日期时间"),
    (["inbox", "add", "--channel", "zhaocuo", "--title", "x", "--received", "2026-10-08", "--site",
      "http://other.gov.cn/"], "没有首页为 http://other.gov.cn/ 的网站"),
    (["inbox", "list", "--state", "open"], "未知的状态「open」"),
    (["inbox", "figures", "--from", "2026-10-01", "--to", "十月"], "--to 应为日期"),
    (["inbox", "figures", "--from", "2026-10-01", "--to", "2026-10-31", "--org", "nowhere"], "nowhere"),
    (["inbox", "add", "--channel", "zhaocuo", "--title", "x", "--received", "2026-10-08", "--rules", "nope"],
     "nope"),
])
def test_bad_input_exits_2_with_a_clear_message(db: str, capsys: pytest.CaptureFixture[str], argv: list[str],
                                                message: str) -> None:
    capsys.readouterr()
    assert main([*argv, "--db", db]) == 2
    err = " ".join(capsys.readouterr().err.split())  # the console wraps long lines
    assert message in err and "Traceback" not in err
    assert main(["inbox", "list", "--json", "--db", db]) == 0
    assert json.loads(capsys.readouterr().out)["reports"] == []  # nothing was stored


def test_an_answer_of_a_closed_report_is_refused(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inbox", "add", "--channel", "zhaocuo", "--title", "x", "--received", "2026-10-08 09:00",
                 "--db", db]) == 0
    assert main(["inbox", "close", "1", "--db", db]) == 2
    assert "尚未答复" in " ".join(capsys.readouterr().err.split())
    assert main(["inbox", "close", "1", "--note", "无效信息", "--db", db]) == 0
    assert main(["inbox", "answer", "1", "--text", "答复", "--db", db]) == 2
    assert "已办结" in capsys.readouterr().err
