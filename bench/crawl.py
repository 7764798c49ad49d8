"""Crawl benchmark: a generated 20,000-page site served by nginx, crawled with link checking.

    .venv/bin/python bench/crawl.py [--pages 20000] [--site trs] [--concurrency 64] [--profile] [--render]

Needs nginx (Debian: ``apt-get install -y nginx-light``; this script offers no
download of its own). nginx runs with one worker on 127.0.0.1, so it is not the
bottleneck; the crawl runs as a child process (``govwatch inspect``) and its CPU
time and peak RSS are read from the kernel's accounting of that child.
Prints pages/s, fetches/s, CPU seconds (total and per 1,000 pages, every process together)
and peak RSS (largest process, and the process tree summed), then CPU and peak RSS per process
(the inspecting process: checks and reports; the crawler: the crawl's own process,
``crawl/process.py``; extraction workers; the measuring process; chromium) and nginx's CPU.
Rendering is off unless ``--render``: with it, Chromium's processes count in the totals and
are shown apart (the accessibility measurement starts chromium either way).

``--profile`` runs the inspection under py-spy (``pip install py-spy`` into .venv), sampling
every process of it, and writes ``profile.txt`` (collapsed stacks, one line per stack and
process) and a summary of the hottest functions per process (``profile-top.txt``) into the
work folder. Figures of a profiled run include py-spy's sampling overhead.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
from govwatch.crawl.process import CRAWL_PROCESS, MEASURING_PROCESS  # noqa: E402

NGINX_CONF = """
worker_processes 1;
worker_rlimit_nofile 8192;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  open_file_cache max=2000 inactive=60s;
  types {{
    text/html html htm shtml; text/xml xml jsp; text/css css; application/javascript js;
    image/png png; image/jpeg jpg jpeg; image/gif gif; application/pdf pdf; application/msword doc;
    application/vnd.openxmlformats-officedocument.wordprocessingml.document docx;
    application/vnd.openxmlformats-officedocument.spreadsheetml.sheet xlsx;
    application/vnd.ms-excel xls; text/plain txt; text/csv csv; application/json json;
  }}
  default_type application/octet-stream;
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location = /module/web/jpage/dataproxy.jsp {{
      default_type text/xml;
      try_files /module/web/jpage/dataproxy/${{arg_columnid}}_${{arg_startrecord}}.xml =404;
    }}
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def reusable_port(site_dir: Path) -> int | None:
    """The port an earlier export was made for, when it is free again (the export is reused)."""
    stamp = site_dir / ".export.json"
    if not stamp.exists():
        return None
    port = int(json.loads(stamp.read_text())["wanted"]["origin"].rsplit(":", 1)[1])
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return None
    return port


def find_nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def wait_for_port(port: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nginx did not listen on 127.0.0.1:{port}")


@dataclass
class Watched:
    """What the kernel and the samples say about the crawl's process tree."""

    status: int
    usage: os.struct_rusage  # of the child and its descendants (wait4)
    tree_peak: int = 0  # peak of the summed RSS of the tree, bytes
    cpu: dict[str, float] = field(default_factory=dict)  # role -> CPU seconds, last sample of each process
    rss: dict[str, int] = field(default_factory=dict)  # role -> peak RSS of its processes, bytes
    # When the extraction worker exited (the crawl's end): seconds since start, the inspecting process's CPU then.
    crawl_end: tuple[float, float] | None = None


CHILD_ROLES = {CRAWL_PROCESS: "crawler", MEASURING_PROCESS: "measuring process"}  # the names they give themselves


def _role(proc: psutil.Process) -> str:
    """What a process of the crawl's tree is: the inspecting process, the crawler (the crawl's own
    process), an extraction worker, the measuring process, chromium, the playwright driver, other."""
    try:
        cmdline = " ".join(proc.cmdline())
        name = proc.name()
    except Exception:  # noqa: BLE001 - a process may end while we look
        return "other"
    if name in CHILD_ROLES:
        return CHILD_ROLES[name]
    if "py-spy" in cmdline:  # its command holds the profiled one
        return "py-spy"
    if "multiprocessing" in cmdline:
        return "extraction worker"
    if "govwatch" in cmdline and " inspect " in cmdline:
        return "inspecting process"
    if "chrom" in cmdline or "headless" in cmdline:
        return "chromium"
    if "playwright" in cmdline:
        return "playwright driver"
    return "other"


def wait_and_watch(child: subprocess.Popen) -> Watched:
    """Wait for ``child``, sampling its process tree every 0.1 s: the peak of the summed RSS,
    each process's CPU time and RSS (by role: crawler, extraction worker, chromium)."""
    import psutil

    parent = psutil.Process(child.pid)
    peak = 0
    cpu: dict[int, tuple[str, float]] = {}
    rss: dict[str, int] = {}
    roles: dict[int, str] = {}
    crawl_end: tuple[float, float] | None = None
    started = time.perf_counter()
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            by_role: dict[str, float] = {}
            for role, seconds in cpu.values():
                by_role[role] = by_role.get(role, 0.0) + seconds
            return Watched(os.waitstatus_to_exitcode(status), usage, peak, by_role, rss, crawl_end)
        total = 0
        try:
            procs = [parent, *parent.children(recursive=True)]
        except psutil.Error:
            procs = []
        alive = {proc.pid for proc in procs}
        if crawl_end is None and any(r == "extraction worker" and p not in alive for p, r in roles.items()):
            inspecting = sum(seconds for role, seconds in cpu.values() if role == "inspecting process")
            crawl_end = (time.perf_counter() - started, inspecting)
        for proc in procs:
            try:
                role = _role(proc)  # again each time: a spawned child names itself once it runs
                if role == "other":  # a child seen between fork and exec still shows the parent's command
                    role = roles.get(proc.pid, role)
                roles[proc.pid] = role
                with proc.oneshot():
                    mem = proc.memory_info().rss
                    times = proc.cpu_times()
            except psutil.Error:
                continue
            total += mem
            rss[role] = max(rss.get(role, 0), mem)
            cpu[proc.pid] = (role, times.user + times.system)
        peak = max(peak, total)
        time.sleep(0.1)


def cpu_pressure() -> float | None:
    """Seconds any task has waited for a CPU since boot (Linux PSI ``some``), or None."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return int(line.rsplit("total=", 1)[1]) / 1e6


def server_cpu(server: subprocess.Popen) -> float:
    """CPU seconds nginx (master and workers) has used so far."""
    import psutil

    try:
        procs = [psutil.Process(server.pid), *psutil.Process(server.pid).children(recursive=True)]
        return sum(p.cpu_times().user + p.cpu_times().system for p in procs)
    except psutil.Error:
        return 0.0


def simulator_fingerprint() -> str:
    """A hash of the simulator's source: an export made by other generator code is made again."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted((ROOT / "src" / "govwatch" / "sim").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def export_site(pages: int, site: str, seed: int, directory: Path, origin: str) -> dict:
    from govwatch.sim import SimOptions, export_static

    stamp = directory / ".export.json"
    wanted = {"pages": pages, "site": site, "seed": seed, "origin": origin, "simulator": simulator_fingerprint()}
    if stamp.exists() and json.loads(stamp.read_text())["wanted"] == wanted:
        return json.loads(stamp.read_text())["summary"]
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    started = time.perf_counter()
    summary = export_static(SimOptions(seed=seed, site_pages=pages), site, directory, origin)
    summary = {**(summary if isinstance(summary, dict) else {"summary": str(summary)}),
               "export_seconds": round(time.perf_counter() - started, 1)}
    stamp.write_text(json.dumps({"wanted": wanted, "summary": summary}, default=str))
    return summary


def profiled(cmd: list[str], output: Path) -> list[str] | None:
    """``cmd`` run under ``py-spy record`` (all processes, collapsed stacks), or None without py-spy."""
    spy = shutil.which("py-spy", path=str(ROOT / ".venv" / "bin")) or shutil.which("py-spy")
    if spy is None:
        print("py-spy is not installed: .venv/bin/pip install py-spy", file=sys.stderr)
        return None
    return [spy, "record", "--subprocesses", "--format", "raw", "--nonblocking", "--rate", "250",
            "--output", str(output), "--", *cmd]


def _frame_name(frame: str) -> str:
    """``func (package/module.py:123)`` → ``func (package/module.py)``: samples per function."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


PROFILE_ROLES = {"_crawl_work (": "crawler", "measure_work (": "measuring process",
                 "_serve (govwatch/analysis/content/bounded.py": "bounded parser"}  # a frame of the main thread


def _split_stack(stack: str) -> tuple[str, str, str]:
    """(process, command, frames) of a py-spy raw stack. A stack starts with its process and the
    process's parents, each 'process PID:"command"' (a command may hold ';'); the last of them is the
    process sampled."""
    process = command = ""
    rest = stack
    while rest.startswith("process "):
        head, _, rest = rest.partition('";')
        process, _, command = head.partition(':"')
    return process, command, rest


def summarize_profile(raw: Path, out: Path, top: int = 40) -> None:
    """Write the hottest functions per process of a py-spy raw profile: self and inclusive shares."""
    from collections import Counter, defaultdict

    own: dict[str, Counter[str]] = defaultdict(Counter)
    total: dict[str, Counter[str]] = defaultdict(Counter)
    samples: Counter[str] = Counter()
    stacks = [(line.rpartition(" ")[0], line.rpartition(" ")[2]) for line in raw.read_text(errors="replace").splitlines()]
    # py-spy names a process by its command only, and every spawned child's is the same: a child's role
    # is what its main thread runs (crawl/process.py's crawl and measurements, the checks' bounded parser).
    roles: dict[str, str] = {}
    for stack, _ in stacks:
        process, _, rest = _split_stack(stack)
        role = next((role for marker, role in PROFILE_ROLES.items() if marker in rest), None)
        if role is not None:
            roles[process] = role
    for stack, count in stacks:
        if not count.isdigit():
            continue
        process, command, rest = _split_stack(stack)
        if not process or not rest:
            continue
        role = roles.get(process) or ("extraction worker" if "multiprocessing" in command else "inspecting process")
        process = f"{process} ({role})"
        frames = [_frame_name(f) for f in rest.split(";")]
        n = int(count)
        samples[process] += n
        own[process][frames[-1]] += n
        for name in set(frames):
            total[process][name] += n
    everything = sum(samples.values()) or 1
    lines: list[str] = []
    for process, n in samples.most_common():
        lines.append(f"== {process}: {n} samples ({n / everything:.0%} of all); shares of this process")
        lines.append("-- self")
        lines.extend(f"{c / n:6.1%}  {name}" for name, c in own[process].most_common(top))
        lines.append("-- inclusive")
        lines.extend(f"{c / n:6.1%}  {name}" for name, c in total[process].most_common(top))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=20000)
    parser.add_argument("--site", default="trs", help="simulated site id to export (trs, jcms, legacy)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--work", default=str(ROOT / "bench" / "out"), help="folder for the site and the store")
    parser.add_argument("--profile", action="store_true", help="sample the crawl with py-spy (see above)")
    parser.add_argument("--render", action="store_true",
                        help="keep rendering on (headless chromium for script-filled lists); reported apart")
    args = parser.parse_args()

    nginx = find_nginx()
    if nginx is None:
        print("nginx is not installed. Install it from Debian's packages first:\n"
              "  apt-get install -y nginx-light", file=sys.stderr)
        return 2
    work = Path(args.work)
    site_dir = work / f"site-{args.site}-{args.pages}"
    port = reusable_port(site_dir) or free_port()
    origin = f"http://127.0.0.1:{port}"
    summary = export_site(args.pages, args.site, args.seed, site_dir, origin)
    # The export is tied to an origin; serve it on the port it was made for.
    port = int(json.loads((site_dir / ".export.json").read_text())["wanted"]["origin"].rsplit(":", 1)[1])
    print(f"site: {site_dir}: {summary.get('pages')} pages, {summary.get('files')} files, "
          f"exported in {summary.get('export_seconds')} s")

    prefix = Path(tempfile.mkdtemp(prefix="govwatch-nginx-"))
    (prefix / "nginx.conf").write_text(NGINX_CONF.format(prefix=prefix, port=port, root=site_dir))
    server = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port)
        db = work / "bench.db"
        db.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        out_json = work / "inspection.json"
        cmd = [str(ROOT / ".venv" / "bin" / "govwatch"), "inspect", f"{origin}/index.html", "--db", str(db),
               "--json", str(out_json), "--offline", "--rate", "0", "--concurrency", str(args.concurrency),
               "--per-host-concurrency", str(args.concurrency), "--max-pages", str(args.pages * 2)]
        if args.profile:
            cmd = profiled(cmd, work / "profile.txt")
            if cmd is None:
                return 2
        nginx_before = server_cpu(server)
        pressure_before = cpu_pressure()
        started = time.perf_counter()
        # The headline figures are the crawler's: rendering (one script-filled column of this
        # site, a browser started once per run) is off unless --render (docs/benchmarks.md).
        env = {**os.environ, "GOVWATCH_RENDER__ENABLED": "true" if args.render else "false"}
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env)
        watched = wait_and_watch(child)
        wall = time.perf_counter() - started
        nginx_cpu = server_cpu(server) - nginx_before
        pressure_after = cpu_pressure()
        if watched.status != 0:
            print(f"govwatch inspect failed with status {watched.status}", file=sys.stderr)
            return 1
    finally:
        server.send_signal(signal.SIGQUIT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(prefix, ignore_errors=True)

    if args.profile:
        summarize_profile(work / "profile.txt", work / "profile-top.txt")
        print(f"profile:              {work / 'profile.txt'} (summary: {work / 'profile-top.txt'})")
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    crawl = doc.get("crawl", {})
    pages = doc["pages"]["crawled"]
    fetches = pages + crawl.get("resources", 0)
    usage = watched.usage
    cpu = usage.ru_utime + usage.ru_stime
    print(f"pages crawled:        {pages} ({doc['pages']['failed']} failed)")
    print(f"resources checked:    {crawl.get('resources', 0)}; links checked: {doc['links']['checked']}; "
          f"broken: {len(doc['links']['broken'])}")
    print(f"wall time:            {wall:.1f} s (crawl {crawl.get('crawl_seconds')} s, rest = start-up, checks, report)")
    if crawl.get("crawl_seconds"):
        print(f"pages/s:              {pages / wall:.0f} (whole command), "
              f"{pages / crawl['crawl_seconds']:.0f} (crawl phase)")
    print(f"fetches/s:            {fetches / wall:.0f}")
    print(f"CPU seconds:          {cpu:.1f} (user {usage.ru_utime:.1f}, sys {usage.ru_stime:.1f}); "
          f"{cpu / pages * 1000:.2f} per 1,000 pages")
    by_role = ", ".join(f"{role} {seconds:.1f}" for role, seconds in sorted(watched.cpu.items()))
    print(f"CPU by process:       {by_role} (sampled every 0.1 s); nginx {nginx_cpu:.1f}")
    if watched.crawl_end is not None:
        at, inspecting_cpu = watched.crawl_end
        after = watched.cpu.get("inspecting process", 0.0) - inspecting_cpu
        print(f"after the crawl:      {wall - at:.1f} s, inspecting process CPU {after:.1f} s "
              f"(from the extraction worker's exit: checks, report)")
    print(f"peak RSS:             {usage.ru_maxrss / 1024:.0f} MB (largest single process), "
          f"{watched.tree_peak / 2**20:.0f} MB (whole process tree together, sampled)")
    by_role = ", ".join(f"{role} {size / 2**20:.0f} MB" for role, size in sorted(watched.rss.items()))
    print(f"peak RSS by process:  {by_role}")
    if pressure_before is not None and pressure_after is not None:
        print(f"CPU pressure:         {(pressure_after - pressure_before) / wall:.0%} of the time some task waited "
              f"for a CPU (this crawl's own processes count too: 15-20% on a quiet machine), "
              f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
