"""The accessibility pass alone, on a stored run: chromium's memory and CPU per process, facts compared.

    .venv/bin/python bench/memory_peaks.py --site /tmp/gw-perf-20000/site --keep    # a stored run
    .venv/bin/python bench/accessibility_pass.py --db /tmp/gw-mem-XXXX/govwatch.db --site /tmp/gw-perf-20000/site \\
        [--executable /usr/bin/chromium] [--flag=--renderer-process-limit=1 ...] [--drop-flag=--js-flags=...] [--runs 3]

Serves ``--site`` with nginx on the port of the stored run's site URL (as ``memory_peaks.py`` served
it), runs ``probe_accessibility`` on the run's sample in this process (the settings' defaults, or
``--executable``; ``--flag``/``--drop-flag`` change ``CHROMIUM_FLAGS`` for this process), samples every
child process (Playwright's Node.js driver, chromium's browser, renderers, gpu and utility processes)
every ``--interval`` seconds from ``/proc``, and prints each one's VmHWM, what its resident set held at
its largest (anonymous, file-backed, shared memory, and the PSS: shared pages divided among the processes
mapping them) and CPU seconds, chromium's CPU in all, and whether the fact equals the stored run's ``accessibility`` fact (``probed_at`` left out).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from govwatch.core.settings import load_settings  # noqa: E402
from govwatch.crawl import render  # noqa: E402
from govwatch.crawl.crawler import is_loopback  # noqa: E402
from govwatch.crawl.sitefacts.accessibility import probe_accessibility  # noqa: E402
from govwatch.store.db import Store  # noqa: E402
from govwatch.store.stored_run import StoreRunData  # noqa: E402
from memory_peaks import NGINX_CONF, children_of, cpu_seconds, role_of, status_kb  # noqa: E402


def descendants(root: int) -> list[int]:
    found, todo = [], children_of(root)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children_of(pid)
    return found


class Sampler(threading.Thread):
    """Samples this process's descendants: role, VmHWM (kB) and CPU seconds of each."""

    def __init__(self, interval: float, smaps: Path | None = None) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.smaps = smaps  # write each chromium process's largest smaps there
        self.seen: dict[int, dict[str, Any]] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in descendants(os.getpid()):
                entry = self.seen.setdefault(pid, {"role": "", "hwm": 0, "cpu": 0.0, "rss": 0, "parts": ""})
                if (role := role_of(pid)) not in ("gone", ""):  # a renderer is a zygote's fork: read again
                    entry["role"] = role
                if (cpu := cpu_seconds(pid)) is not None:
                    entry["cpu"] = cpu
                mem = status_kb(pid, "VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem")
                entry["hwm"] = max(entry["hwm"], mem.get("VmHWM", 0))
                if mem.get("VmRSS", 0) > entry["rss"]:  # what the resident set is made of at its largest
                    entry["rss"] = mem["VmRSS"]
                    if self.smaps is not None and entry["role"].startswith("chromium"):
                        try:
                            entry["smaps"] = Path(f"/proc/{pid}/smaps").read_text()
                        except OSError:
                            pass
                    entry["parts"] = (f"anon {mem.get('RssAnon', 0) / 1024:.0f} file {mem.get('RssFile', 0) / 1024:.0f} "
                                      f"shmem {mem.get('RssShmem', 0) / 1024:.0f} pss {pss(pid) / 1024:.0f}")
            time.sleep(self.interval)


def pss(pid: int) -> int:
    """The process's proportional set size in kB (shared pages divided among their processes), or 0."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return int(m.group(1)) if (m := re.search(r"^Pss:\s+(\d+) kB", text, re.M)) else 0


def without_time(fact: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fact.items() if k != "probed_at"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="the store of a kept inspection (govwatch.db)")
    parser.add_argument("--site", type=Path, help="the generated site folder to serve (else the run's URL is live)")
    parser.add_argument("--executable", help="render.executable (default: the settings' default)")
    parser.add_argument("--flag", action="append", default=[], help="a chromium flag added to CHROMIUM_FLAGS")
    parser.add_argument("--drop-flag", action="append", default=[], help="a flag of CHROMIUM_FLAGS left out")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--save", type=Path, help="write the last run's fact here (JSON)")
    parser.add_argument("--smaps", type=Path, help="a folder for each chromium process's smaps at its largest")
    args = parser.parse_args()
    for flag in args.drop_flag:
        render.CHROMIUM_FLAGS.remove(flag)
    render.CHROMIUM_FLAGS.extend(args.flag)
    render.limit_driver_memory()  # as pipeline.py does before the site measurements
    settings = load_settings()
    if args.executable:
        settings.render.executable = args.executable
    store = Store(str(args.db))
    with store.engine.connect() as conn:
        run_id = int(conn.execute(text("SELECT max(id) FROM runs")).scalar_one())
    data = StoreRunData(store, run_id)
    stored = store.run_facts(run_id).get("accessibility") or {}
    nginx_pid, work = None, Path(tempfile.mkdtemp(prefix="gw-a11y-"))
    if args.site is not None:
        port = int(re.search(r":(\d+)", data.site_url.split("//", 1)[1]).group(1))  # type: ignore[union-attr]
        (work / "ng").mkdir()
        conf = work / "ng" / "nginx.conf"
        conf.write_text(NGINX_CONF.format(ng=work / "ng", port=port, site=args.site.resolve()))
        subprocess.run([shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf), "-p", str(work / "ng")], check=True)
        nginx_pid = int((work / "ng" / "nginx.pid").read_text())
    sec = settings.security
    print(f"executable {settings.render.executable}; flags {' '.join(render.CHROMIUM_FLAGS)}; "
          f"NODE_OPTIONS {os.environ.get('NODE_OPTIONS')}; load {Path('/proc/loadavg').read_text().split()[0]}")
    try:
        for number in range(1, args.runs + 1):
            sampler = Sampler(args.interval, args.smaps)
            sampler.start()
            started = time.monotonic()
            fact = asyncio.run(probe_accessibility(
                data, settings.render, user_agent=settings.crawl.user_agent, per_type=sec.accessibility_per_type,
                max_pages=sec.accessibility_max_pages,
                allowed=lambda url: data.scope.contains(url) or is_loopback(url)))
            wall = time.monotonic() - started
            sampler.stop.set()
            sampler.join()
            procs = [p for p in sampler.seen.values() if p["hwm"]]
            chromium = [p for p in procs if p["role"].startswith("chromium")]
            renderers = [p["hwm"] / 1024 for p in chromium if "renderer" in p["role"]]
            equal = without_time(fact) == without_time(stored)
            print(f"run {number}: {wall:.1f} s wall; pages {fact.get('sample')}; errors "
                  f"{sum('error' in p for p in fact.get('pages') or [])}; fact equal to the stored one: {equal}"
                  + (f" ({fact.get('unavailable') or fact.get('error')})" if 'pages' not in fact else ""))
            for p in sorted(procs, key=lambda p: -p["hwm"]):
                if not p["role"].startswith("chromium renderer"):
                    print(f"   {p['role']:<32} VmHWM {p['hwm'] / 1024:6.1f} MB  CPU {p['cpu']:5.2f} s  ({p['parts']})")
            if renderers:
                largest = max((p for p in chromium if "renderer" in p["role"]), key=lambda p: p["hwm"])
                print(f"   {len(renderers)} renderers, VmHWM {min(renderers):.1f}–{max(renderers):.1f} MB (largest: "
                      f"{largest['parts']}), CPU {sum(p['cpu'] for p in chromium if 'renderer' in p['role']):.2f} s")
            print(f"   chromium CPU in all {sum(p['cpu'] for p in chromium):.2f} s; driver CPU "
                  f"{sum(p['cpu'] for p in procs if 'driver' in p['role']):.2f} s")
            if not equal and "pages" in fact and "pages" in stored:
                for new, old in zip(fact["pages"], stored["pages"], strict=False):
                    if new != old:
                        print(f"   differs: {new.get('url')}: {json.dumps(new, ensure_ascii=False)[:400]}\n"
                              f"     stored: {json.dumps(old, ensure_ascii=False)[:400]}")
            if args.smaps is not None:
                args.smaps.mkdir(parents=True, exist_ok=True)
                for pid, p in sampler.seen.items():
                    if "smaps" in p:
                        name = p["role"].replace(" ", "-")
                        (args.smaps / f"{number}-{name}-{pid}-{p['hwm'] // 1024}MB.txt").write_text(p["smaps"])
            if args.save is not None:
                args.save.write_text(json.dumps(without_time(fact), ensure_ascii=False, indent=1, sort_keys=True))
    finally:
        if nginx_pid is not None:
            os.kill(nginx_pid, 15)
        shutil.rmtree(work, ignore_errors=True)
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
