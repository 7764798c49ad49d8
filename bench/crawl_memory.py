"""The crawl alone, in this process, with what holds its memory (issue 22: the crawl's resident set flat).

    .venv/bin/python bench/crawl_memory.py --site /tmp/gw-perf-20000/site [--tracemalloc] [--every 20]

Serves a generated site (``../shared/bench/gen_site.py``) with nginx on loopback as
``bench/memory_peaks.py`` does, and runs ``pipeline.inspect_site_async`` on it with that benchmark's
options (offline, rate 0, concurrency 64, max pages twice the site's) up to the end of the crawl: the
checks are replaced by a stub. Every ``--every`` seconds it prints the resident set (VmRSS), the
frontier's size, the URLs queued, the store's URL-id cache; at the end VmHWM and CPU seconds of the
crawl. With ``--tracemalloc`` it also traces Python allocations and prints, for the sample where
the traced memory was largest, the top lines holding it (tracing slows the crawl several times).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from govwatch import pipeline  # noqa: E402
from govwatch.core.settings import load_settings  # noqa: E402
from govwatch.crawl import crawler as crawler_module  # noqa: E402
from govwatch.store.db import Store  # noqa: E402
from memory_peaks import NGINX_CONF, free_port, status_kb  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--every", type=float, default=20.0)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    truth = args.site.parent / (args.site.name + ".truth.json")
    max_pages = 2 * int(json.loads(truth.read_text()).get("html_files_reachable") or 100000) if truth.exists() \
        else 200000
    work = Path(tempfile.mkdtemp(prefix="gw-crawlmem-"))
    (work / "ng").mkdir()
    port = free_port()
    conf = work / "ng" / "nginx.conf"
    conf.write_text(NGINX_CONF.format(ng=work / "ng", port=port, site=args.site.resolve()))
    subprocess.run([shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf), "-p", str(work / "ng")], check=True)
    nginx_pid = int((work / "ng" / "nginx.pid").read_text())
    settings = load_settings(None, {"crawl": {"network": "offline", "per_host_rate": 0, "concurrency": 64,
                                              "max_pages": max_pages}})
    store = Store(f"sqlite:///{work / 'govwatch.db'}")
    crawlers: list[Any] = []
    original = crawler_module.Crawler.__init__

    def remember(self: Any, *a: Any, **k: Any) -> None:
        original(self, *a, **k)
        crawlers.append(self)

    crawler_module.Crawler.__init__ = remember  # type: ignore[method-assign]

    async def no_checks(*_a: Any, **_k: Any) -> dict[str, Any]:
        return {}

    pipeline.measure_and_check = no_checks  # type: ignore[assignment]
    best: list[Any] = [0, None]
    started = time.monotonic()

    async def sample() -> None:
        while True:
            await asyncio.sleep(args.every)
            c = crawlers[0] if crawlers else None
            rss = status_kb(os.getpid(), "VmRSS").get("VmRSS", 0) / 1024
            line = f"{time.monotonic() - started:7.1f} s  VmRSS {rss:6.1f} MB"
            if c is not None:
                line += (f"  queued {c._queue.qsize():7d}  seen {len(c._seen):7d}  pages {c.progress.pages:6d}"
                         f"  url-id cache {len(store._url_ids) + len(getattr(store, '_url_ids_old', {})):7d}")
            if args.tracemalloc:
                current = tracemalloc.get_traced_memory()[0]
                line += f"  traced {current / 2**20:6.1f} MB"
                if current > best[0]:
                    best[:] = [current, tracemalloc.take_snapshot()]
            print(line, flush=True)

    async def run() -> None:
        ticker = asyncio.create_task(sample())
        try:
            await pipeline.inspect_site_async(f"http://127.0.0.1:{port}/", settings, store, as_of=date(2026, 11, 20))
        finally:
            ticker.cancel()

    if args.tracemalloc:
        tracemalloc.start(4)
    try:
        asyncio.run(run())
    finally:
        os.kill(nginx_pid, 15)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"crawl done in {time.monotonic() - started:.1f} s; VmHWM {status_kb(os.getpid(), 'VmHWM')['VmHWM'] / 1024:.1f} MB;"
          f" CPU {usage.ru_utime + usage.ru_stime:.1f} s (this process)")
    if best[1] is not None:
        print(f"largest traced sample: {best[0] / 2**20:.1f} MB; top lines:")
        for stat in best[1].statistics("lineno")[:args.top]:
            print(f"  {stat.size / 2**20:7.2f} MB {stat.count:8d}  {stat.traceback[0]}")
    store.close()
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
