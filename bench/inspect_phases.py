"""The inspecting process's memory and CPU step by step after the crawl (issue 22: where the peak is).

    .venv/bin/python bench/inspect_phases.py [--interval 0.02] -- inspect URL [INSPECT ARGS]

Runs ``govwatch`` with the arguments after ``--`` in this process (serve the site yourself: nginx as
``memory_peaks.py --site`` does, or any URL), with each post-crawl step marked: the crawl (until the
memory is released after it), the coverage, the checks, the document's sections read off the run's
rows (which are released after them), the scoring, storing the results, the inspection document,
the JSON file and the reports. A thread samples the resident set every ``--interval`` seconds;
each step prints its wall and CPU seconds, the resident set when it began and ended and the
largest sample while it ran. The crawl (with its extraction workers), the site measurements and
chromium are other processes (``crawl/process.py``; ``memory_peaks.py`` measures them): the crawl
step here is this process waiting for the crawl's, and the measurements run beside the checks.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STEPS = [("pipeline", "release_memory", "release"), ("pipeline", "record_coverage", "coverage"),
         ("pipeline", "run_checks", "checks"), ("pipeline", "run_sections", "document sections"),
         ("pipeline", "score_checked", "scoring"), ("pipeline", "replace_check_results", "store results"),
         ("pipeline", "assemble_inspection", "document"),
         ("commands.site_inspection", "write_json", "JSON file"),
         ("commands.site_inspection", "write_report_files", "reports")]  # where ``inspect`` calls them


def resident_mb() -> float:
    """This process's resident set (VmRSS) in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


class Steps:
    """The step running now and the largest resident set sampled in each (a sampler thread)."""

    def __init__(self, interval: float) -> None:
        self.current = "crawl"
        self.began = {"crawl": (time.perf_counter(), time.process_time(), resident_mb())}
        self.largest: dict[str, float] = {}
        self.interval = interval
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while True:
            step, rss = self.current, resident_mb()
            self.largest[step] = max(self.largest.get(step, 0.0), rss)
            time.sleep(self.interval)

    def enter(self, step: str) -> None:
        self.end()
        self.current = step
        self.began[step] = (time.perf_counter(), time.process_time(), resident_mb())
        self.largest[step] = self.began[step][2]

    def end(self) -> None:
        """Print the step that ran until now; what follows counts as ``(between)`` until the next step."""
        step = self.current
        wall, cpu, at_start = self.began[step]
        now = resident_mb()
        largest = max(self.largest.get(step, now), now)
        if step != "(between)" or time.perf_counter() - wall >= 0.05 or abs(now - at_start) >= 1:
            print(f"{step:<14} wall {time.perf_counter() - wall:6.2f} s  CPU {time.process_time() - cpu:6.2f} s  "
                  f"RSS {at_start:6.1f} -> {now:6.1f} MB, largest {largest:6.1f} MB", file=sys.stderr, flush=True)
        self.current = "(between)"
        self.began["(between)"] = (time.perf_counter(), time.process_time(), now)
        self.largest["(between)"] = now


def marked(steps: Steps, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` run as the step ``name``: the first release of memory ends the crawl (it is part of it)."""
    def run(*args: Any, **kwargs: Any) -> Any:
        if steps.current != "crawl":
            steps.enter(name)
        try:
            return fn(*args, **kwargs)
        finally:
            steps.end()
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between samples of the resident set")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then govwatch's arguments (inspect URL ...)")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give govwatch's arguments after --, e.g. -- inspect http://127.0.0.1:8080/ --offline")
    sys.path.insert(0, str(ROOT / "src"))
    import importlib

    from govwatch.commands.main import main as govwatch

    steps = Steps(args.interval)
    for module_name, function, step in STEPS:
        module = importlib.import_module(f"govwatch.{module_name}")
        setattr(module, function, marked(steps, step, getattr(module, function)))
    code = govwatch(command)
    steps.end()
    print(f"exit {code}; largest resident set of this process: "
          f"{max(steps.largest.values(), default=0.0):.1f} MB", file=sys.stderr)
    return int(code or 0)


if __name__ == "__main__":  # spawned extraction workers import this module: they must not run it
    raise SystemExit(main())
