"""The ``govwatch`` command line: the parser of every command group, and :func:`main`, which runs
the chosen command and turns its outcome into an exit code.

Exit codes: 0 the command completed (whatever the verdict); 1 a runtime failure; 2 a usage or
configuration error; 130 interrupted by Ctrl-C, 143 stopped by SIGTERM (both resumable).
"""

from __future__ import annotations

import argparse
import os

from rich.text import Text

from govwatch import __version__
from govwatch.commands.alerting import add_alerts_commands
from govwatch.commands.annual_report import add_annual_command
from govwatch.commands.common import EXIT_FAILURE, EXIT_USAGE, UsageError, console, interrupted_exit
from govwatch.commands.counterfeit import add_counterfeit_commands
from govwatch.commands.deadline_warnings import add_warnings_command
from govwatch.commands.demo import add_demo_command
from govwatch.commands.page_extract import add_extract_command
from govwatch.commands.public_reports import add_inbox_commands
from govwatch.commands.rectification import add_ticket_commands
from govwatch.commands.run_scoring import add_scoring_commands
from govwatch.commands.service import add_service_commands
from govwatch.commands.simulator import add_sim_commands
from govwatch.commands.site_availability import add_availability_commands
from govwatch.commands.site_inspection import add_inspect_command
from govwatch.commands.site_registry import add_registry_commands
from govwatch.commands.spot_checks import add_spot_check_commands
from govwatch.commands.store_admin import add_store_commands
from govwatch.commands.users import add_user_commands
from govwatch.commands.worker import add_worker_command
from govwatch.core.heap import return_large_blocks_promptly


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command, in the order ``govwatch --help`` lists them."""
    parser = argparse.ArgumentParser(prog="govwatch", description="Inspect and monitor Chinese government websites.")
    parser.add_argument("--version", action="version", version=f"govwatch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_inspect_command(sub)
    add_extract_command(sub)
    add_warnings_command(sub)
    add_demo_command(sub)
    add_sim_commands(sub)
    add_availability_commands(sub)  # probe, monitor
    add_scoring_commands(sub)  # score, rules, finding, diff, bulletin
    add_registry_commands(sub)  # sites, filing
    add_alerts_commands(sub)  # alerts list, alerts test
    add_service_commands(sub)  # serve, runs
    add_worker_command(sub)  # worker (a PostgreSQL store's job queue)
    add_user_commands(sub)  # user add|list, token create
    add_store_commands(sub)  # store stats|prune
    add_spot_check_commands(sub)  # spotcheck draw|list|show|run|table
    add_annual_command(sub)  # annual
    add_inbox_commands(sub)  # inbox import|add|list|show|forward|answer|close|figures
    add_counterfeit_commands(sub)  # counterfeit check|candidates
    add_ticket_commands(sub)  # ticket issue|list|show|notify|reply|verify|exempt|close|notice|recheck-report
    return parser


def main(argv: list[str] | None = None) -> int:
    return_large_blocks_promptly()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:  # the message as it is (no markup, not wrapped inside a URL or a command)
        console.print(Text.assemble(("错误：", "red"), str(exc)), soft_wrap=True)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (core.aio.Terminated)
        console.print(Text(f"{str(exc) or '已中断'}：已取得的结果已保存；加 --resume 再次运行即可继续", "yellow"),
                      soft_wrap=True)
        return interrupted_exit(exc)
    except Exception as exc:  # noqa: BLE001 - last resort: a readable message, not a traceback
        console.print(Text.assemble(("运行失败：", "red"), f"{type(exc).__name__}: {exc}"), soft_wrap=True)
        if "GOVWATCH_DEBUG" in os.environ:
            raise
        return EXIT_FAILURE
