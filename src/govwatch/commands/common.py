"""What every command module shares: the console, usage errors and exit codes, settings and the
store from the flags, JSON and report writing, crawl progress, the one-line verdict.

Command modules import this module and nothing of each other; heavy packages (the crawler, the
store, the reports) are imported inside the functions so that ``govwatch --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from govwatch.core.settings import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from govwatch.crawl.crawler import CrawlProgress
    from govwatch.store.db import Store

EXIT_OK = 0  # the command completed, whatever the verdict
EXIT_FAILURE = 1  # a runtime failure
EXIT_USAGE = 2  # bad arguments, input or configuration
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT, 128 + 2): results so far are kept (inspect: resumable)
EXIT_TERMINATED = 143  # SIGTERM (128 + 15), handled like Ctrl-C: results kept, resumable


def interrupted_exit(exc: KeyboardInterrupt) -> int:
    """The exit status of a command stopped by a signal: 143 for SIGTERM (``aio.Terminated``),
    130 for Ctrl-C; both keep what was stored, and ``inspect --resume`` continues either."""
    from govwatch.core.aio import Terminated

    return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED

console = Console(stderr=True, highlight=False)


class UsageError(Exception):
    """Bad arguments, input or configuration (exit 2)."""


def plain(target: Console, text: str) -> None:
    """Print ``text`` as it is: no markup, no highlighting, no wrapping."""
    target.print(text, markup=False, highlight=False, soft_wrap=True)


def cli_actor(named: str | None = None) -> str:
    """Who runs the command, as the audit trail records it: ``named`` (e.g. --reviewer) when given,
    else ``cli:<login>`` (``cli`` when there is no login name, as in a container without a passwd entry)."""
    if named:
        return named
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


# -- settings and the store ---------------------------------------------------------------


def add_store_flags(p: argparse.ArgumentParser) -> None:
    """--config and --db: the settings file and the store, shared by every command that opens one."""
    add_config_flag(p)
    add_db_flag(p)


def add_config_flag(p: argparse.ArgumentParser, text: str = "YAML settings file") -> None:
    """--config: the YAML settings file read by :func:`cli_settings` (``text``: its help)."""
    p.add_argument("--config", help=text)


def add_db_flag(p: argparse.ArgumentParser) -> None:
    """--db: the store opened by :func:`open_store` (through :func:`cli_settings`)."""
    p.add_argument("--db", help="store URL or SQLite file (default: govwatch.db)")


def cli_settings(args: argparse.Namespace, overrides: dict[str, dict[str, Any]] | None = None) -> Settings:
    """Settings from --config and the environment, then ``overrides`` (per section) and --db;
    a bad setting is a usage error."""
    sections = dict(overrides or {})
    if getattr(args, "db", None):
        sections["store"] = {"url": args.db}
    try:
        return load_settings(getattr(args, "config", None), sections)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def open_store(settings: Settings) -> Store:
    """The store the settings name (a store that cannot be opened is a usage error)."""
    from govwatch.store.db import Store, StoreError

    try:
        return Store(settings.store.url)
    except StoreError as exc:
        raise UsageError(str(exc)) from None


def add_crawl_flags(p: argparse.ArgumentParser) -> None:
    """The store flags and the crawl's limits, shared by the commands that fetch pages."""
    add_store_flags(p)
    p.add_argument("--max-pages", type=int, help="stop crawling pages after N (default 50000)")
    p.add_argument("--max-depth", type=int, help="deepest link level followed (default 12)")
    p.add_argument("--timeout", type=float, help="seconds per request (default 15)")
    p.add_argument("--concurrency", type=int, help="requests in flight overall (default 32)")
    p.add_argument("--per-host-concurrency", type=int, help="requests in flight per host (default 6)")
    p.add_argument("--rate", type=float, help="requests per second per host, 0 = unlimited (default 30)")
    p.add_argument("--offline", action="store_true",
                   help="never fetch links to non-loopback hosts; report them as unverifiable")
    p.add_argument("--robots", action="store_true", help="obey robots.txt (off by default)")
    p.add_argument("--allow-private", action="append", metavar="NET|HOST",
                   help="let link checks reach this private, loopback or link-local network or host name "
                        "(e.g. 127.0.0.0/8 for the simulator's other hosts; repeatable; crawl.allow_private)")


def crawl_settings(args: argparse.Namespace) -> Settings:
    """Settings with the crawl flags of :func:`add_crawl_flags` applied (only those given)."""
    crawl: dict[str, Any] = {}
    for flag, key in (("max_pages", "max_pages"), ("timeout", "timeout"), ("concurrency", "concurrency"),
                      ("per_host_concurrency", "per_host_concurrency"), ("rate", "per_host_rate"),
                      ("max_depth", "max_depth")):
        value = getattr(args, flag, None)
        if value is not None:
            crawl[key] = value
    if getattr(args, "offline", False):
        crawl["network"] = "offline"
    if getattr(args, "robots", False):
        crawl["respect_robots"] = True
    if getattr(args, "allow_private", None):
        crawl["allow_private"] = list(args.allow_private)
    return cli_settings(args, {"crawl": crawl})


# -- output ---------------------------------------------------------------------------------


def write_json(data: Any, target: str | None) -> Path | None:
    """``data`` as indented JSON into the file ``target`` (returned; written piece by piece, never
    one buffer of the whole document), or to stdout for None or '-'. The pieces' freed memory goes
    back to the system before the reports are written: it stayed resident otherwise, and the
    reports' peak sat on top of it (+18 MB at 100,000 pages)."""
    from govwatch.core.heap import trim_heap
    from govwatch.core.jsonfile import json_bytes, write_json_file

    if target is None or target == "-":
        sys.stdout.write(json_bytes(data).decode("utf-8"))
        return None
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_file(data, path)
    trim_heap()
    return path


def add_report_flags(p: argparse.ArgumentParser) -> None:
    """--formats: the report formats written into --out (inspect and score)."""
    from govwatch.report.outputs import FORMATS

    p.add_argument("--formats", help=f"report formats written into --out, comma-separated: {', '.join(FORMATS)} "
                                     "or all (default html,json)")


def write_report_files(document: dict[str, Any], out: Path, formats: str | None, settings: Settings, *,
                       json_written: Path | None = None) -> None:
    """The reports of an inspection document in the --formats given, into the folder ``out``;
    ``json_written``: the document's JSON already written there by --json (copied, not encoded again)."""
    from govwatch.report.outputs import parse_formats, write_reports

    try:
        chosen = parse_formats(formats)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for path in write_reports(document, out, chosen, browser=settings.render.executable, json_written=json_written):
        plain(console, f"报告：{path}")


def dashboard_url(host: str, port: int) -> str:
    """The dashboard's address for a browser (an IPv6 host in brackets)."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def verdict_text(sheet: dict[str, Any]) -> str:
    """The verdict and score in one line of Chinese, honest about what is not assessed."""
    if sheet["verdict"] is None:
        verdict = f"待定（{len(sheet['not_assessed'])}项未评估，已评估部分{sheet['provisional_verdict']}）"
    else:
        verdict = sheet["verdict"]
    if sheet["score"] is not None:
        points = f"{sheet['score']:g}分"
    elif sheet["score_upper_bound"] is not None:
        points = f"≤{sheet['score_upper_bound']:g}分（未完成评估）"
    else:
        points = "不计分"
    return f"{verdict}，{points}"


@contextmanager
def crawl_progress(target: Console, label: str) -> Iterator[Callable[[CrawlProgress], None] | None]:
    """Yield a callback that shows crawl progress (pages, queue, errors, rate); ``None`` when
    ``target`` is not a terminal."""
    if not target.is_terminal:
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), TextColumn("{task.fields[stats]}"),
               TimeElapsedColumn())
    with Progress(*columns, console=target, transient=True) as progress:
        task = progress.add_task(label, total=None, stats="")

        def update(p: CrawlProgress) -> None:
            progress.update(task, stats=(f"页面 {p.pages} · 资源 {p.resources} · 待抓取 {p.queued} · "
                                         f"出错 {p.errors} · {p.rate:.0f}/秒"))

        yield update
