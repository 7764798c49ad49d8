"""``govwatch serve`` serves the web dashboard and REST API in its own event loop, and its scheduler
runs the jobs the web queues. A real subprocess over a registry of one simulated site on 127.0.0.1,
driven with httpx as a browser and an API client would; the store is the truth for the run. Every
wait is a bounded poll."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx

from govwatch.commands.main import main
from govwatch.core.serviceconfig import parse_service_config
from govwatch.service.jobs import ABANDONED
from govwatch.service.scheduler import Scheduler
from govwatch.store.db import Store
from govwatch.store.web_rows import add_job_request, claim_job_request, job_request
from govwatch.web.app import CONTENT_SECURITY_POLICY
from tests.conftest import sim_settings
from tests.registry.registry_helpers import _row, write_csv
from tests.service.conftest import family_site
from tests.service.test_service_cli import free_port, serve
from tests.service.test_service_e2e import LIMIT, stop, wait_for

PASSWORD = "serve-web-pass-1"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')
HOOK_SECRET = "hook-secret-7f3a"  # in the channel URL's path: never shown in the dashboard
CONFIG = ("use_registry: true\nschedule: {probe_interval: 1h, patrol: 'off', full_scan: 'off'}\n"
          f"channels:\n  - name: 值班群\n    type: webhook\n    url: http://127.0.0.1:9/hooks/{HOOK_SECRET}?key=k\n")


def govwatch(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govwatch", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)


def registered_store(tmp_path: Path, url: str) -> Path:
    """A store holding a registry of one site (``url``), an admin and nothing else."""
    db = tmp_path / "g.db"
    registry = write_csv(tmp_path / "r.csv", [_row("青山县人民政府", url, "4501210001", "本级门户", "县级", "450121",
                                                   "青山县", "")])
    assert main(["sites", "import", str(registry), "--db", str(db)]) == 0
    added = govwatch("user", "add", "管理员", "--role", "admin", "--db", str(db), stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    return db


def up(base: str, proc: subprocess.Popen[str]) -> None:
    """Wait (bounded) until the service answers HTTP."""
    def answers() -> bool:
        try:
            return httpx.get(f"{base}/login", timeout=2).status_code == 200
        except httpx.TransportError:
            return False
    wait_for("the dashboard to answer", answers, proc)


def job_states_until_done(api: httpx.Client, job_id: int, proc: subprocess.Popen[str]) -> list[dict[str, Any]]:
    """Every answer of GET /api/v1/jobs/{id} until the job is done or failed (bounded)."""
    seen: list[dict[str, Any]] = []

    def finished() -> bool:
        answer = api.get(f"/api/v1/jobs/{job_id}")
        assert answer.status_code == 200, answer.text
        seen.append(answer.json())
        return seen[-1]["state"] in ("done", "failed")
    wait_for(f"job {job_id} to finish", finished, proc)
    return seen


def test_serve_runs_the_dashboard_and_the_inspections_it_queues(small_sim: Any, tmp_path: Path) -> None:
    db = registered_store(tmp_path, family_site(small_sim))
    token = govwatch("token", "create", "管理员", "--db", str(db))
    assert token.returncode == 0, token.stderr
    bearer = {"Authorization": f"Bearer {token.stdout.strip()}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = serve(tmp_path, CONFIG, "--port", str(port))
    try:
        up(base, proc)
        with httpx.Client(base_url=base, timeout=10) as browser:
            page = browser.get("/login")
            assert page.status_code == 200 and page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            field = CSRF_INPUT.search(page.text)
            assert field and browser.cookies.get("gw_csrf")
            signed_in = browser.post("/login", data={"name": "管理员", "password": PASSWORD,
                                                     "csrf_token": field.group(1)}, follow_redirects=True)
            assert signed_in.status_code == 200 and signed_in.url.path == "/"
            assert "管理员" in signed_in.text and "退出登录" in signed_in.text  # the signed-in layout
            assert browser.get("/", follow_redirects=False).status_code == 200  # the session holds
            channels = browser.get("/admin/channels")  # serve hands its config to the dashboard
            assert channels.status_code == 200 and "值班群" in channels.text and "127.0.0.1:9" in channels.text
            assert HOOK_SECRET not in channels.text and "未配置" not in channels.text

        with httpx.Client(base_url=base, headers=bearer, timeout=10) as api:
            sites = api.get("/api/v1/sites").json()["sites"]
            assert len(sites) == 1
            site_id = sites[0]["id"]
            queued = api.post(f"/api/v1/sites/{site_id}/inspect")
            assert queued.status_code == 202 and queued.json()["state"] == "queued", queued.text
            job_id = queued.json()["id"]
            seen = job_states_until_done(api, job_id, proc)
            job = seen[-1]
            assert job["state"] == "done" and job["error"] is None, job
            run_id = job["run_id"]
            running = [s for s in seen if s["state"] == "running"]
            assert running, [s["state"] for s in seen]  # claimed, then run
            assert any(s["state"] == "running" and s["run_id"] == run_id and s["progress"]["stage"] == "inspecting"
                       and s["progress"]["pages"] > 0 for s in running), seen  # pages crawled so far, shown

            runs = api.get("/api/v1/runs", params={"site_id": site_id}).json()["runs"]
            assert [(r["id"], r["kind"], r["status"], r["site_id"]) for r in runs] == \
                [(run_id, "manual", "completed", site_id)]

            # A re-score with another table, and one that names a file: queued straight into the
            # store (the API has no re-score route yet); the scheduler takes both.
            store = Store(str(db))
            try:
                rescore = add_job_request(store, "rescore", site_id, {"rules": "census-2015"}, None)
                bad = add_job_request(store, "rescore", site_id, {"rules": "/etc/passwd"}, None)
            finally:
                store.close()
            rescored = job_states_until_done(api, rescore, proc)[-1]
            refused = job_states_until_done(api, bad, proc)[-1]
            assert rescored["state"] == "done" and rescored["run_id"] == run_id, rescored
            assert refused["state"] == "failed" and "未知的评分规则表" in refused["error"], refused
            latest = api.get(f"/api/v1/sites/{site_id}").json()["latest"]
            assert latest["run_id"] == run_id and latest["ruleset"] == "census-2015", latest
        err = stop(proc)  # SIGTERM: exit 0 within the bound
    finally:
        if proc.poll() is None:
            proc.kill()
    assert f"dashboard: {base}/" in err
    store = Store(str(db))
    try:
        stats = store.run(run_id)["stats"]
        assert job["progress"]["pages"] == stats["pages"] > 0  # the crawl's last count is the job's
    finally:
        store.close()


def test_serve_refuses_a_port_in_use_with_a_clear_message(tmp_path: Path) -> None:
    with closing(socket.create_server(("127.0.0.1", 0))) as taken:
        port = taken.getsockname()[1]
        proc = serve(tmp_path, "use_registry: false\n", "--port", str(port), "--duration", "30")
        _, err = proc.communicate(timeout=LIMIT)
    assert proc.returncode == 1, err
    assert f"无法在 127.0.0.1:{port} 上提供网页看板" in err and "--no-web" in err


def test_serve_rejects_a_port_out_of_range(tmp_path: Path) -> None:
    config = tmp_path / "service.yaml"
    config.write_text("use_registry: false\n", encoding="utf-8")
    assert main(["serve", "--config", str(config), "--db", str(tmp_path / "g.db"), "--port", "70000"]) == 2


def test_a_job_left_running_by_a_dead_process_is_failed_at_the_next_start(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "g.db"))
    try:
        site_id = store.site_id("http://127.0.0.1:9/")
        job_id = add_job_request(store, "inspect", site_id, {}, None)
        waiting = add_job_request(store, "inspect", site_id, {}, None)
        claimed = claim_job_request(store, ["inspect"])
        assert claimed is not None and claimed["id"] == job_id  # running when the process "died"
        Scheduler(store, parse_service_config({"use_registry": False}, "t.yaml"), sim_settings(store.url)).load()
        dead = job_request(store, job_id)
        assert dead is not None and dead["state"] == "failed" and dead["error"] == ABANDONED
        still = job_request(store, waiting)
        assert still is not None and still["state"] == "queued"  # a queued job is simply run later
    finally:
        store.close()
