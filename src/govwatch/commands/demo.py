"""``govwatch demo``: serve the simulated portfolio on 127.0.0.1, register it, inspect every site
and write the reports, a bulletin and an index page; then make a dashboard account (``demo``, admin,
a generated password printed once) and say how to open the dashboard over the demo's store."""

from __future__ import annotations

import argparse
import json
import secrets
import shlex
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govwatch.commands.common import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    console,
    crawl_progress,
    dashboard_url,
    open_store,
    plain,
    verdict_text,
)
from govwatch.core.settings import Settings, load_settings

if TYPE_CHECKING:
    from govwatch.store.db import Store

DEMO_SITES = ("trs", "jcms", "legacy", "fgw", "jyj")
DEMO_USER = "demo"
DEMO_ISSUER = "演示用政府网站主管单位"  # who sends the demo's 通报 and 整改通知
# The dashboard over the demo's store watches nothing: the simulated sites stop with the demo, so
# probing the registry would record every one of them as down.
DEMO_SERVICE_CONFIG = ("# govwatch serve over the demo's store (docs/service.md): the dashboard only.\n"
                       "# The simulated sites stopped with the demo, so nothing is watched.\n"
                       "use_registry: false\n")


def demo_settings(db_url: str) -> Settings:
    """Settings for the simulator: fast loopback crawling, offline external links, loopback
    allowed by the address guard (the simulator's other hosts live there too), a timeout below the simulator's slow pages so they show as timeouts."""
    return load_settings(overrides={
        "crawl": {"concurrency": 24, "per_host_concurrency": 12, "per_host_rate": 0, "timeout": 2.0,
                  "connect_timeout": 2.0, "backoff": 0.2, "network": "offline",
                  "allow_private": ["127.0.0.0/8", "::1", "localhost"]},  # the simulator's hosts are on loopback
        "store": {"url": db_url},
    }, environ={})


def cmd_demo(args: argparse.Namespace) -> int:
    from govwatch.core.clock import parse_as_of
    from govwatch.report.bulletin import write_bulletin
    from govwatch.report.html import render_template
    from govwatch.report.office_pdf import soffice_path
    from govwatch.sim import SimOptions, SimServer

    as_of = parse_as_of(args.as_of)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    db_path = out / "govwatch.db"
    db_path.unlink(missing_ok=True)
    settings = demo_settings(f"sqlite:///{db_path}")
    store = open_store(settings)
    site_ids = [s.strip() for s in args.sites.split(",")] if args.sites else list(DEMO_SITES)
    options = SimOptions(seed=args.seed, as_of=as_of, site_pages=args.pages, slow_seconds=3.0)
    rows: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    run_ids: list[int] = []
    with SimServer(options).running() as sim:
        (out / "manifest.json").write_text(json.dumps(sim.manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        unknown = [s for s in site_ids if s not in sim.manifest["sites"]]
        if unknown:
            plain(console, f"错误：没有这些模拟网站：{'、'.join(unknown)}（可选：{'、'.join(sim.manifest['sites'])}）")
            return EXIT_USAGE
        if not _register(store, options, sim.manifest, out):
            return EXIT_FAILURE
        for site_id in site_ids:
            doc, files, run_id = _inspect_one(site_id, sim.site_url(site_id), settings, store, as_of, out)
            documents.append(doc)
            run_ids.append(run_id)
            rows.append(_index_row(site_id, sim.site_url(site_id), doc, files))
    pdf = soffice_path() is not None
    if not pdf:
        console.print("未找到 LibreOffice：通报只生成 Word 和 Excel 文件（PDF 需 apt install libreoffice-writer-nogui）")
    bulletin = write_bulletin(documents, out / "bulletin", title="关于模拟政府网站检查情况的通报",
                              period=f"截至{as_of.isoformat()}", deadline=as_of + timedelta(days=15),
                              issuer=DEMO_ISSUER, pdf=pdf)
    for path in bulletin:
        plain(console, f"通报文件：{path}")
    notices = _rectification_notices(store, run_ids, out / "整改通知", as_of, pdf=pdf)
    for path in notices:
        plain(console, f"整改通知：{path}")
    index = out / "index.html"
    index.write_text(render_template("demo_index.html.j2", rows=rows, as_of=as_of.isoformat(),
                                     bulletin=[p.relative_to(out).as_posix() for p in bulletin],
                                     notices=[p.relative_to(out).as_posix() for p in notices]), encoding="utf-8")
    print(f"演示报告：{index.resolve()}")
    _dashboard_login(store, out, db_path, settings)
    return EXIT_OK


def _dashboard_login(store: Store, out: Path, db_path: Path, settings: Settings) -> None:
    """Make the ``demo`` admin account with a generated password (only its hash is stored) and a
    service config for the dashboard, and print how to open it: the command, the URL, the login."""
    from govwatch.web.accounts import add_account

    password = secrets.token_urlsafe(12)
    add_account(store, DEMO_USER, "admin", password)
    config = out / "service.yaml"
    config.write_text(DEMO_SERVICE_CONFIG, encoding="utf-8")
    command = shlex.join([_govwatch_program(), "serve", "--config", str(config.resolve()), "--db", str(db_path.resolve()),
                          "--no-alerts"])
    print(f"网页看板启动命令：{command}")
    print(f"  然后打开 {dashboard_url(settings.web.host, settings.web.port)} 并以 {DEMO_USER} 登录，"
          f"密码 {password} （仅显示这一次：库中只保存其哈希值）")


def _govwatch_program() -> str:
    """How to run ``govwatch`` again: the script beside this Python (``.venv/bin/govwatch`` after the
    bootstrap, which is not on PATH), else the bare name."""
    script = Path(sys.executable).parent / "govwatch"
    return str(script) if script.is_file() else "govwatch"


def _register(store: Store, options: Any, manifest: dict[str, Any], out: Path) -> bool:
    """Import the simulated portfolio's registry sheet; False (problems printed) when it is rejected."""
    from govwatch.registry import import_file
    from govwatch.sim.registry_sheet import write_registry_csv

    registry = write_registry_csv(options, manifest, out / "registry.csv")
    imported = import_file(store, registry)
    if not imported.imported:
        for problem in imported.problems:
            plain(console, f"网站名单有误：{problem}")
        return False
    plain(console, f"网站名单：{registry}（已导入 {imported.rows} 个网站）")
    return True


def _rectification_notices(store: Store, run_ids: list[int], out_dir: Path, as_of: date, *, pdf: bool) -> list[Path]:
    """The rectification loop's first step for every inspected site: its scored findings as tickets
    and one 整改通知 (文号 演示〔year〕N号, deadline 15 days on) per site that has any."""
    from govwatch.report.notice import write_notice
    from govwatch.scoring.tickets import issue_tickets, notice_model, notify_tickets

    paths: list[Path] = []
    for number, run_id in enumerate(run_ids, 1):
        tickets = issue_tickets(store, run_id, actor=DEMO_USER)
        if not tickets:
            continue
        notice = notify_tickets(store, tickets, doc_number=f"演示〔{as_of.year}〕{number}号",
                                deadline=as_of + timedelta(days=15), issuer=DEMO_ISSUER, actor=DEMO_USER)
        paths += write_notice(notice_model(store, notice), out_dir, pdf=pdf)
    return paths


def _inspect_one(site_id: str, url: str, settings: Settings, store: Store, as_of: Any,
                 out: Path) -> tuple[dict[str, Any], list[Path], int]:
    """Inspect one simulated site and write its reports into OUT/<site id>; the document, the files
    and the run's id."""
    from govwatch.pipeline import inspect_site

    console.print(f"正在检查模拟网站 [bold]{site_id}[/]（{url}）")
    with crawl_progress(console, site_id) as progress:
        inspection = inspect_site(url, settings, store, as_of=as_of, progress=progress)
    doc = inspection.document
    files = _write_site_reports(doc, out / site_id, settings)
    plain(console, f"  {_figures(doc)} → {out / site_id / 'report.html'}")
    return doc, files, inspection.run_id


def _write_site_reports(doc: dict[str, Any], site_dir: Path, settings: Settings) -> list[Path]:
    """Every report format of one site; a missing browser only costs the PDF (said, not fatal)."""
    from govwatch.report.outputs import FORMATS, write_reports
    from govwatch.report.report_error import ReportError

    files = write_reports(doc, site_dir, [f for f in FORMATS if f != "pdf"])
    try:
        files += write_reports(doc, site_dir, ["pdf"], browser=settings.render.executable)
    except ReportError as exc:
        plain(console, f"  未生成 PDF：{exc}")
    return files


def _index_row(site_id: str, url: str, doc: dict[str, Any], files: list[Path]) -> dict[str, Any]:
    broken = doc["links"]["broken"]
    return {"id": site_id, "name": doc["site"]["name"], "url": url, "pages": doc["pages"]["crawled"],
            "failed": doc["pages"]["failed"], "broken": len(broken),
            "homepage_broken": sum(b["scope"] == "homepage" for b in broken), "findings": len(doc["findings"]),
            "verdict": verdict_text(doc["scoring"]) if doc.get("scoring") else "未评分",
            "files": [(f.suffix.lstrip("."), f"{site_id}/{f.name}") for f in files]}


def _figures(doc: dict[str, Any]) -> str:
    columns = doc["columns"]
    return (f"页面 {doc['pages']['crawled']} 个，失效链接 {len(doc['links']['broken'])} 个，栏目 {len(columns)} 个"
            f"（不更新 {sum(1 for c in columns if c['stale'])} 个，空白 {sum(1 for c in columns if c['blank'])} 个），"
            f"首页 {doc['homepage']['window_days']} 天内更新信息 {doc['homepage']['items_in_window']} 条；"
            f"{verdict_text(doc['scoring'])}")


def add_demo_command(sub: Any) -> None:
    """Register ``demo`` on the CLI's subparsers."""
    p = sub.add_parser("demo", help="serve the bundled simulated sites on 127.0.0.1 and inspect them")
    p.add_argument("--out", default="govwatch-out/demo", help="folder for reports (default govwatch-out/demo)")
    p.add_argument("--pages", type=int, default=300, help="pages per simulated site (default 300)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--as-of", help="inspection time point (default: today)")
    p.add_argument("--sites", help="comma-separated simulated site ids (default: all demo sites)")
    p.set_defaults(func=cmd_demo)
