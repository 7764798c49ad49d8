"""The memory peak of each process of one ``govwatch inspect`` (issue 22: the largest process ≤ 150 MB).

    .venv/bin/python bench/memory_peaks.py --site /tmp/gw-perf-20000/site [--interval 0.1] [-- INSPECT ARGS]
    .venv/bin/python bench/memory_peaks.py --url http://127.0.0.1:8080/ [-- INSPECT ARGS]

``--site`` serves a generated site (``../shared/bench/gen_site.py``; side_by_side.py builds one in
``/tmp/gw-perf-<pages>/site``) with nginx on loopback, configured as ``side_by_side.py`` does, and
inspects it as that benchmark does (``--offline --rate 0 --concurrency 64``, ``--max-pages`` twice the
site's pages; arguments after ``--`` replace those options). The command's process tree is sampled
every ``--interval`` seconds from ``/proc``: each process's VmHWM (its own peak resident set, what
``/usr/bin/time -v`` reports for the largest process) and when it was reached, and its CPU seconds
(as last sampled: a process's last interval is missed), by role (the
inspecting process, its crawl and measuring processes, extraction workers, chromium's processes,
Playwright's driver). The inspecting
process's resident set is also shown per phase (crawl: until the crawl's extraction workers exit;
then browser: while chromium lives, the accessibility pass; after: the checks and reports). Prints one line per process, then the largest, then
``/usr/bin/time -v``'s "Maximum resident set size" of the whole command.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from govwatch.crawl.process import CRAWL_PROCESS, MEASURING_PROCESS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSPECT_ARGS = ["--offline", "--rate", "0", "--concurrency", "64"]
NGINX_CONF = """worker_processes 1; pid {ng}/nginx.pid; error_log {ng}/error.log warn; daemon on;
events {{ worker_connections 4096; }}
http {{ include /etc/nginx/mime.types; default_type application/octet-stream; access_log off; log_not_found off;
 sendfile on; keepalive_requests 1000000; open_file_cache max=10000 inactive=600s;
 client_body_temp_path {ng}/b; proxy_temp_path {ng}/p; fastcgi_temp_path {ng}/f; uwsgi_temp_path {ng}/u;
 scgi_temp_path {ng}/s;
 server {{ listen 127.0.0.1:{port} backlog=4096; root {site}; index index.html; add_header LinkChecker allow always; }} }}
"""


@dataclass
class Seen:
    """One process of the tree: its role and the largest VmHWM sampled, with when (s since start)."""

    role: str
    peak_kb: int = 0
    at: float = 0.0
    cpu_s: float = 0.0  # user + system CPU seconds, as last sampled


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def status_kb(pid: int, *fields: str) -> dict[str, int]:
    """The ``fields`` (VmHWM, VmRSS) of /proc/<pid>/status in kB; empty when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {f: int(m.group(1)) for f in fields if (m := re.search(rf"^{f}:\s+(\d+) kB", text, re.M))}


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` so far (/proc/<pid>/stat); None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        except OSError:
            pass
    return found


def tree_of(root: int) -> list[int]:
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += children_of(pid)
    return pids


CHILD_ROLES = {CRAWL_PROCESS: "crawl process", MEASURING_PROCESS: "measuring process"}  # the names they give themselves


def role_of(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "gone"
    if not cmd:  # a process exiting (or a zombie) shows no command line: it keeps the role it had
        return "gone"
    if cmd.startswith("/usr/bin/time"):
        return "time"
    try:
        comm = Path(f"/proc/{pid}/comm").read_text(errors="replace").strip()
    except OSError:
        return "gone"
    if comm in CHILD_ROLES:  # the inspection's own children (govwatch.crawl.process names them)
        return CHILD_ROLES[comm]
    if "resource_tracker" in cmd:
        return "multiprocessing tracker"
    if "multiprocessing" in cmd:
        return "extraction worker"
    if " inspect " in cmd:
        return "inspecting process"
    if "chrom" in cmd:
        kind = re.search(r"--type=([\w-]+)", cmd)
        return f"chromium {kind.group(1) if kind else 'browser'}"
    if "run-driver" in cmd or "playwright" in cmd:
        return "playwright driver"
    return cmd[:60]


def watch(command: list[str], interval: float, work: Path) -> tuple[int, dict[int, Seen], list[tuple[float, str, int]], str]:
    """Run ``command`` under /usr/bin/time -v, sampling its tree; (exit code, processes, the
    inspecting process's (time, phase, VmRSS kB) samples, time's report and the command's output tail)."""
    report, log = work / "time.txt", work / "output.txt"
    started = time.monotonic()
    with log.open("wb") as output:
        proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", str(report), *command], stdout=output,
                                stderr=subprocess.STDOUT)
        seen: dict[int, Seen] = {}
        timeline: list[tuple[float, str, int]] = []
        crawl_over = False  # the crawl's extraction workers have exited
        while proc.poll() is None:
            now = time.monotonic() - started
            alive: dict[str, int] = {}
            for pid in tree_of(proc.pid):
                # the role looked at every time: a child names itself once it runs, and a forked child
                # (a browser's driver) is its parent's until it execs: a new role starts a new peak
                role = role_of(pid)
                if pid not in seen or (role != seen[pid].role and role != "gone"):
                    seen[pid] = Seen(role)
                mem = status_kb(pid, "VmHWM", "VmRSS")
                if (cpu := cpu_seconds(pid)) is not None:
                    seen[pid].cpu_s = cpu
                if mem.get("VmHWM", 0) > seen[pid].peak_kb:
                    seen[pid].peak_kb, seen[pid].at = mem["VmHWM"], now
                if "VmRSS" in mem:
                    alive[seen[pid].role] = max(alive.get(seen[pid].role, 0), mem["VmRSS"])
            workers = [pid for pid, p in seen.items() if p.role == "extraction worker"]
            crawl_over = crawl_over or (bool(workers) and "extraction worker" not in alive)
            phase = ("crawl" if not crawl_over else
                     "browser" if any(r.startswith("chromium") for r in alive) else "after")
            if "inspecting process" in alive:
                timeline.append((now, phase, alive["inspecting process"]))
            time.sleep(interval)
    tail = log.read_bytes()[-1500:].decode(errors="replace")
    return proc.returncode, seen, timeline, (report.read_text() if report.exists() else "") + "\n" + tail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, help="a generated site folder to serve with nginx")
    parser.add_argument("--url", help="inspect this URL instead (already served)")
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--timeline", type=Path, help="write the inspecting process's samples (s, phase, VmRSS kB)")
    parser.add_argument("--keep", action="store_true", help="keep the inspection's output folder and its store (govwatch.db)")
    parser.add_argument("inspect_args", nargs="*", help="after --: govwatch inspect's options")
    args = parser.parse_args()
    if (args.site is None) == (args.url is None):
        parser.error("give --site or --url")
    nginx_pid = None
    work = Path(tempfile.mkdtemp(prefix="gw-mem-"))
    url = args.url
    max_pages = 200000
    if args.site is not None:
        truth = args.site.parent / (args.site.name + ".truth.json")
        if truth.exists():
            max_pages = 2 * int(json.loads(truth.read_text()).get("html_files_reachable") or 100000)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            print("nginx is not installed (apt-get install -y nginx; side_by_side.py installs it)", file=sys.stderr)
            return 2
        port = free_port()
        (work / "ng").mkdir()
        conf = work / "ng" / "nginx.conf"
        conf.write_text(NGINX_CONF.format(ng=work / "ng", port=port, site=args.site.resolve()))
        subprocess.run([nginx, "-c", str(conf), "-p", str(work / "ng")], check=True)
        nginx_pid = int((work / "ng" / "nginx.pid").read_text())
        url = f"http://127.0.0.1:{port}/"
    inspect_args = args.inspect_args or [*DEFAULT_INSPECT_ARGS, "--max-pages", str(max_pages)]
    govwatch = os.environ.get("GOVWATCH", str(ROOT / ".venv" / "bin" / "govwatch"))
    command = [govwatch, "inspect", url, "--as-of", "2026-11-20", "--json", str(work / "r.json"),
               "--out", str(work), "--db", f"sqlite:///{work / 'govwatch.db'}", *inspect_args]
    load = Path("/proc/loadavg").read_text().split()[0]
    try:
        code, seen, timeline, report = watch(command, args.interval, work)
    finally:
        if nginx_pid is not None:
            os.kill(nginx_pid, 15)
    if args.timeline is not None:
        args.timeline.write_text("".join(f"{t:.2f} {phase} {rss}\n" for t, phase, rss in timeline))
    print(f"exit {code}; load average {load} → {Path('/proc/loadavg').read_text().split()[0]}")
    for pid, proc in sorted(seen.items(), key=lambda item: -item[1].peak_kb):
        if proc.role != "time" and proc.peak_kb:
            print(f"{pid:>8} {proc.role:<28} VmHWM {proc.peak_kb / 1024:7.1f} MB at {proc.at:6.1f} s"
                  f"  CPU {proc.cpu_s:6.1f} s")
    by_role: dict[str, float] = {}
    for proc in seen.values():
        role = "chromium" if proc.role.startswith("chromium") else proc.role
        by_role[role] = by_role.get(role, 0.0) + proc.cpu_s
    print("CPU s by role (as last sampled): " + ", ".join(
        f"{role} {cpu:.1f}" for role, cpu in sorted(by_role.items(), key=lambda item: -item[1]) if cpu >= 0.05))
    for phase in ("crawl", "browser", "after"):
        times = [t for t, p, _ in timeline if p == phase]
        samples = [rss for _, p, rss in timeline if p == phase]
        if samples:
            print(f"inspecting process in phase {phase:<8} VmRSS max {max(samples) / 1024:6.1f} MB "
                  f"({len(samples)} samples, {times[0]:.1f}–{times[-1]:.1f} s)")
    largest = max((p for p in seen.values() if p.role != "time"), key=lambda p: p.peak_kb)
    print(f"largest process: {largest.role} {largest.peak_kb / 1024:.1f} MB")
    if (m := re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)) is not None:
        print(f"/usr/bin/time -v maximum resident set size: {int(m.group(1)) / 1024:.1f} MB")
    for key in ("Elapsed (wall clock) time", "User time (seconds)", "System time (seconds)"):
        if (m := re.search(rf"{re.escape(key)}[^:]*: ([\d:.]+)", report)) is not None:
            print(f"{key}: {m.group(1)}")
    if code != 0:
        print(report.split("Exit status")[-1][-1500:], file=sys.stderr)
    if args.keep:
        print(f"output kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
