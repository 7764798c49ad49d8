"""``govwatch bulletin``'s 公文 options (文号, 红头, template, PDF) and its extras: the period's
rectification tickets and 找错/留言 figures, on a simulated site's stored run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest

from govwatch.commands.main import main
from govwatch.scoring.public_reports import add_report
from govwatch.scoring.tickets import issue_tickets, notify_tickets
from govwatch.store.db import Store

DOC_NUMBER = "宁政办网〔2026〕12号"


@pytest.fixture(scope="module")
def filled(sim: Any, inspected_sites: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A copy of the inspected trs site's store, the simulator's registry imported, with 3 tickets
    notified (deadline 2026-12-31) and one 找错 report received on 2026-11-20."""
    from govwatch.sim.registry_sheet import write_registry_csv

    folder = tmp_path_factory.mktemp("bulletin")
    run_id = inspected_sites["trs"].run_id
    store: Store = inspected_sites.copy_store(folder)
    registry = write_registry_csv(sim.options, sim.manifest, folder / "registry.csv")
    assert main(["sites", "import", str(registry), "--db", store.url.removeprefix("sqlite:///")]) == 0
    site_id = store.run(run_id)["site_id"]
    tickets = issue_tickets(store, run_id, actor="test")
    assert len(tickets) >= 3
    notify_tickets(store, tickets[:3], doc_number="整改〔2026〕1号", deadline=date(2026, 12, 31), issuer="网站主管单位",
                   actor="test")
    add_report(store, channel="zhaocuo", title="首页错别字", received_at="2026-11-20 10:00", site_id=site_id,
               actor="test")
    yield {"db": store.url.removeprefix("sqlite:///"), "run": str(run_id)}
    store.close()


def _text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs] + [p.text for p in section.first_page_header.paragraphs]
    return "\n".join(parts)


def _bulletin(filled: dict[str, Any], out: Path, *extra: str) -> int:
    return main(["bulletin", filled["run"], "--out", str(out), "--period", "2026年第四季度", "--deadline", "2026-12-31",
                 "--db", filled["db"], *extra])


def test_doc_number_red_header_and_the_periods_figures(filled: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "b"
    assert _bulletin(filled, out, "--doc-number", DOC_NUMBER, "--red-header", "--issuer", "宁川市政务公开办",
                     "--from", "2026-10-01", "--to", "2099-12-31", "--no-pdf") == 0
    assert sorted(p.name for p in out.iterdir()) == ["得分表.xlsx", "通报.docx"]  # --no-pdf: no PDF
    text = _text(out / "通报.docx")
    assert DOC_NUMBER in text and "宁川市政务公开办" in text
    # 3 tickets notified in the period, none closed, all past their deadline on the period's last day
    assert "下发整改问题3个，已整改销号0个" in text and "逾期未整改3个" in text
    assert "收到1件" in text  # the one 找错 report received in the period


def test_the_default_period_is_the_quarter_of_the_newest_run(filled: dict[str, Any], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert _bulletin(filled, tmp_path / "q", "--no-pdf") == 0
    assert "统计期：2026-10-01 至 2026-12-31" in capsys.readouterr().err  # the run is as of 2026-11-22


def test_a_user_template_is_used(filled: dict[str, Any], tmp_path: Path) -> None:
    template = tmp_path / "红头模板.docx"
    made = docx.Document()
    made.add_paragraph("宁川市人民政府办公室文件")
    made.add_paragraph("{{文号}}")
    made.save(str(template))
    out = tmp_path / "t"
    assert _bulletin(filled, out, "--template", str(template), "--doc-number", DOC_NUMBER, "--no-pdf") == 0
    text = _text(out / "通报.docx")
    assert "宁川市人民政府办公室文件" in text and DOC_NUMBER in text and "{{文号}}" not in text


def test_the_pdf_is_made_by_libreoffice(filled: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "p"
    assert _bulletin(filled, out) == 0
    assert (out / "通报.pdf").read_bytes()[:5] == b"%PDF-"


def test_bad_options_are_usage_errors(filled: dict[str, Any], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    not_docx = tmp_path / "bad.docx"
    not_docx.write_text("not a word file", encoding="utf-8")
    cases = [(["--template", str(tmp_path / "missing.docx")], "模板文件不存在"),
             (["--template", str(not_docx)], "模板文件无法使用"),
             (["--from", "2026/10/01"], "--from 须为 YYYY-MM-DD 格式的日期"),
             (["--from", "2026-12-01", "--to", "2026-11-01"], "统计期结束日期 2026-11-01 早于开始日期 2026-12-01")]
    for extra, message in cases:
        out = tmp_path / "never"
        assert _bulletin(filled, out, "--no-pdf", *extra) == 2
        assert message in capsys.readouterr().err
        assert not out.exists()  # checked before anything is written
