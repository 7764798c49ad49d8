"""Crawl benchmark: a generated 20,000-page site served by nginx, crawled with link checking.

    .venv/bin/python bench/crawl.py [--pages 20000] [--site trs] [--concurrency 64]

Needs nginx (Debian: ``apt-get install -y nginx-light``; this script offers no
download of its own). nginx runs with one worker on 127.0.0.1, so it is not the
bottleneck; the crawl runs as a child process (``govwatch inspect``) and its CPU
time and peak RSS are read from the kernel's accounting of that child.
Prints pages/s, fetches/s, CPU seconds (total and per 1,000 pages, crawler and its
extraction worker together) and peak RSS (largest process, and the process tree summed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

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


def wait_and_watch(child: subprocess.Popen) -> tuple[int, "os.struct_rusage", int]:
    """Wait for ``child``; return its exit status, its rusage (with its descendants) and the
    peak of the summed RSS of it and its descendants (the extraction worker), sampled every 0.1 s."""
    import psutil

    peak = 0
    parent = psutil.Process(child.pid)
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            return os.waitstatus_to_exitcode(status), usage, peak
        try:
            total = parent.memory_info().rss + sum(p.memory_info().rss for p in parent.children(recursive=True))
            peak = max(peak, total)
        except psutil.Error:
            pass
        time.sleep(0.1)


def export_site(pages: int, site: str, seed: int, directory: Path, origin: str) -> dict:
    from govwatch.sim import SimOptions, export_static

    stamp = directory / ".export.json"
    wanted = {"pages": pages, "site": site, "seed": seed, "origin": origin}
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=20000)
    parser.add_argument("--site", default="trs", help="simulated site id to export (trs, jcms, legacy)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--work", default=str(ROOT / "bench" / "out"), help="folder for the site and the store")
    args = parser.parse_args()

    nginx = find_nginx()
    if nginx is None:
        print("nginx is not installed. Install it from Debian's packages first:\n"
              "  apt-get install -y nginx-light", file=sys.stderr)
        return 2
    work = Path(args.work)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    site_dir = work / f"site-{args.site}-{args.pages}"
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
        started = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        status, usage, tree_peak = wait_and_watch(child)
        wall = time.perf_counter() - started
        if status != 0:
            print(f"govwatch inspect failed with status {status}", file=sys.stderr)
            return 1
    finally:
        server.send_signal(signal.SIGQUIT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(prefix, ignore_errors=True)

    doc = json.loads(out_json.read_text(encoding="utf-8"))
    crawl = doc.get("crawl", {})
    pages = doc["pages"]["crawled"]
    fetches = pages + crawl.get("resources", 0)
    cpu = usage.ru_utime + usage.ru_stime
    print(f"pages crawled:        {pages} ({doc['pages']['failed']} failed)")
    print(f"resources checked:    {crawl.get('resources', 0)}; links checked: {doc['links']['checked']}; "
          f"broken: {len(doc['links']['broken'])}")
    print(f"wall time:            {wall:.1f} s (crawl {crawl.get('crawl_seconds')} s, rest = checks + report)")
    print(f"pages/s:              {pages / wall:.0f} (whole command), "
          f"{pages / crawl['crawl_seconds']:.0f} (crawl phase)" if crawl.get("crawl_seconds") else "")
    print(f"fetches/s:            {fetches / wall:.0f}")
    print(f"CPU seconds:          {cpu:.1f} (user {usage.ru_utime:.1f}, sys {usage.ru_stime:.1f}); "
          f"{cpu / pages * 1000:.2f} per 1,000 pages")
    print(f"peak RSS:             {usage.ru_maxrss / 1024:.0f} MB (largest single process), "
          f"{tree_peak / 2**20:.0f} MB (crawler + extraction worker together, sampled)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
