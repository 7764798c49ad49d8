"""``govwatch store stats|prune``: how big the store is, and its growth policy applied by hand
(docs/deploy.md §3; thin: parse, call :mod:`govwatch.store.growth_rows`, print).

The prune's defaults are the service config's ``store`` section (``--service-config``), else 90 days
of probe rows and the bodies of each site's newest 3 complete full runs; the flags override both.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from govwatch.commands.common import (
    EXIT_OK,
    UsageError,
    add_store_flags,
    cli_settings,
    console,
    open_store,
    plain,
    write_json,
)


def _size(value: int | None) -> str:
    """Bytes for people: 1.5 MB, 320 KB, 12 B ('-' when unknown)."""
    if value is None:
        return "-"
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value} B"


def cmd_store_stats(args: argparse.Namespace) -> int:
    from govwatch.store.growth_rows import store_stats

    store = open_store(cli_settings(args))
    try:
        stats = store_stats(store)
    finally:
        store.close()
    if args.json:
        write_json(stats, "-")
        return EXIT_OK
    out = sys.stdout
    out.write("表\t行数\t大小\n")
    for row in stats["tables"]:
        if row["rows"] or row["bytes"]:
            out.write(f"{row['table']}\t{row['rows']}\t{_size(row['bytes'])}\n")
    bodies = stats["bodies"]
    out.write(f"\n页面正文：{bodies['count']} 份，原始 {_size(bodies['bytes'])}，压缩后存储 "
              f"{_size(bodies['stored_bytes'])}\n")
    if stats["sites"]:
        out.write(f"\n正文存储最多的 {len(stats['sites'])} 个网站（压缩后大小、正文份数、检查次数、探测记录数）：\n")
        for site in stats["sites"]:
            out.write(f"{site['site_id']}\t{site['name'] or site['url']}\t{_size(site['stored_bytes'])}\t"
                      f"{site['bodies']}\t{site['runs']}\t{site['probe_rows']}\n")
    return EXIT_OK


def _policy(args: argparse.Namespace) -> tuple[int, int, int]:
    """(probe_retention_days, keep_full_runs, job_retention_days): the flags, else the service
    config's, else the defaults."""
    from govwatch.core.serviceconfig import StoreConfig, load_service_config
    from govwatch.core.settings import ConfigError

    policy = StoreConfig()
    if args.service_config:
        try:
            policy = load_service_config(args.service_config).store
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
    days = policy.probe_retention_days if args.probe_retention_days is None else args.probe_retention_days
    keep = policy.keep_full_runs if args.keep_full_runs is None else args.keep_full_runs
    if days < 1:
        raise UsageError(f"--probe-retention-days 须为不小于 1 的整数，收到 {days}")
    jobs = policy.job_retention_days if args.job_retention_days is None else args.job_retention_days
    if keep < 1:
        raise UsageError(f"--keep-full-runs 须为不小于 1 的整数，收到 {keep}")
    if jobs < 1:
        raise UsageError(f"--job-retention-days 须为不小于 1 的整数，收到 {jobs}")
    return days, keep, jobs


def prune_summary(rolled: Any, pruned: Any, jobs: int, job_days: int) -> str:
    """One line in Chinese of what a prune did (or would do)."""
    verb = "将" if pruned.dry_run else "已"
    return (f"探测记录：{verb}把 {rolled.rows} 条（{rolled.cutoff} 之前，{rolled.site_days} 个网站日）汇总为按日统计；"
            f"页面正文：保留每个网站最近 {pruned.keep_full_runs} 次完整全面检查及其后各次的正文，"
            f"{verb}释放 {len(pruned.released_runs)} 次检查的 {pruned.fetches_cleared} 份正文引用"
            f"（问题与整改工单所指的 {pruned.pinned_fetches} 份保留），"
            f"{verb}删除 {pruned.blobs_deleted} 份不再被引用的正文，{verb}释放 {_size(pruned.bytes_freed)}；"
            f"任务队列：{verb}删除 {jobs} 条 {job_days} 天前已结束的任务记录")


def cmd_store_prune(args: argparse.Namespace) -> int:
    from govwatch.core.clock import today as today_shanghai
    from govwatch.store.growth_rows import probe_rows_before, prune_bodies, roll_up_probes
    from govwatch.store.job_queue import prune_finished_jobs

    days, keep, job_days = _policy(args)
    store = open_store(cli_settings(args))
    try:
        today = today_shanghai()
        rolled = (probe_rows_before(store, keep_days=days, today=today) if args.dry_run
                  else roll_up_probes(store, keep_days=days, today=today))
        pruned = prune_bodies(store, keep_full_runs=keep, dry_run=args.dry_run)
        jobs = prune_finished_jobs(store, keep_days=job_days, dry_run=args.dry_run)
    finally:
        store.close()
    if args.json:
        write_json({"dry_run": args.dry_run, "probe_retention_days": days, "keep_full_runs": keep,
                    "probes": {"cutoff": rolled.cutoff, "site_days": rolled.site_days, "rows": rolled.rows},
                    "bodies": {"released_runs": pruned.released_runs, "fetches_cleared": pruned.fetches_cleared,
                               "pinned_fetches": pruned.pinned_fetches, "blobs_deleted": pruned.blobs_deleted,
                               "bytes_freed": pruned.bytes_freed},
                    "jobs": {"retention_days": job_days, "deleted": jobs}}, "-")
    plain(console, ("（演练，未作改动）" if args.dry_run else "") + prune_summary(rolled, pruned, jobs, job_days))
    return EXIT_OK


def add_store_commands(sub: Any) -> None:
    """Register ``store`` (stats, prune) on the CLI's subparsers."""
    store = sub.add_parser("store", help="store size and growth: stats, prune",
                           description="How big the store is, and its growth policy (docs/deploy.md §3).")
    ssub = store.add_subparsers(dest="store_command", required=True, metavar="COMMAND")
    p = ssub.add_parser("stats", help="rows and bytes per table, page bodies, the sites storing the most",
                        description="Rows and bytes per table, page bodies in total, and the 20 sites whose "
                                    "page bodies take the most room.")
    p.add_argument("--json", action="store_true", help="write the figures as JSON to standard output")
    add_store_flags(p)
    p.set_defaults(func=cmd_store_stats)
    p = ssub.add_parser("prune", help="roll old probe rows up per day and delete page bodies no longer kept",
                        description="Roll probe rows older than the retention window up into daily figures, "
                                    "release the page bodies of runs older than each site's newest N complete full "
                                    "runs (bodies a finding or a ticket points to are kept), delete the bodies "
                                    "nothing refers to any more and the queue's job rows finished more than D days "
                                    "ago. Runs and their rows are never deleted.")
    p.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    p.add_argument("--keep-full-runs", type=int, metavar="N",
                   help="page bodies of each site's newest N complete full runs are kept (default: the service "
                        "config's store.keep_full_runs, else 3)")
    p.add_argument("--probe-retention-days", type=int, metavar="D",
                   help="probe rows of the last D days are kept as they are (default: the service config's "
                        "store.probe_retention_days, else 90)")
    p.add_argument("--job-retention-days", type=int, metavar="D",
                   help="finished job rows of the queue (PostgreSQL) older than D days are deleted (default: the "
                        "service config's store.job_retention_days, else 14)")
    p.add_argument("--service-config", metavar="FILE", help="the service config whose store section gives the defaults")
    p.add_argument("--json", action="store_true", help="also write the figures as JSON to standard output")
    add_store_flags(p)
    p.set_defaults(func=cmd_store_prune)
