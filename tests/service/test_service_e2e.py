"""Issue 18 "Done when", end to end: ``govwatch serve`` as a real subprocess against real servers on
127.0.0.1 — a site whose answers the test switches, the fake DingTalk robot (it checks the signature
and records every request), a real SMTP server (aiosmtpd) — with the store and the receivers'
records as the truth. No mocks. Every wait is a bounded poll."""

from __future__ import annotations

import asyncio
import email
import email.policy
import http.server
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from govwatch.alerts.sender import Sender
from govwatch.commands.main import main
from govwatch.core.clock import SHANGHAI
from govwatch.core.serviceconfig import load_service_config
from govwatch.sim.robots import RobotServer
from govwatch.store.db import Store
from govwatch.store.service_rows import parse_stamp
from tests.alerts.test_channels import MailSink
from tests.registry.registry_helpers import _row, write_csv
from tests.service.test_service_cli import free_port, probe_count, serve

LIMIT = 60.0  # generous bound for each wait on a loaded machine
SECRET, TOKEN = "SECe2e-signing-7Qx", "tok-e2e-9f3k"  # must never show in `alerts list`
REFUSED = (400013, "群已被解散")  # a robot code that no retry can be told apart from: retried with backoff
SCHEDULE = "schedule: {probe_interval: 1s, probe_jitter: 0, patrol: 'off', full_scan: 'off'}\n"


# -- the parts -------------------------------------------------------------------------------------


class SwitchedSite:
    """A homepage on 127.0.0.1 that answers 200, or 503 while ``down`` is set."""

    def __init__(self) -> None:
        self.down = threading.Event()
        switch = self.down

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                status, body = (503, b"maintenance") if switch.is_set() else (200, "<html><body>首页</body></html>".encode())
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    @contextmanager
    def running(self) -> Iterator[SwitchedSite]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join(timeout=10)


@contextmanager
def smtp_server() -> Iterator[tuple[MailSink, int]]:
    """A real SMTP server on 127.0.0.1 (plain, no auth) keeping the mails it accepted."""
    sink, port = MailSink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def ding(robot: RobotServer, name: str = "ding", extra: str = "") -> str:
    return f"  - {{name: {name}, type: dingtalk, url: '{robot.url}', secret: {SECRET}{extra}}}\n"


def site_entry(url: str, name: str) -> str:
    return f"  - {{url: '{url}', name: {name}}}\n"


def wait_for(what: str, done: Callable[[], bool], proc: subprocess.Popen[str] | None = None,
             limit: float = LIMIT) -> None:
    """Poll ``done`` until it holds (bounded); the service must stay up meanwhile."""
    deadline = time.monotonic() + limit
    while not done():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"govwatch serve ended while waiting for {what}: {proc.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen[str]) -> str:
    """SIGTERM, then the service's stderr (it must exit 0)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=LIMIT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    return err


def outbox(db: Path) -> list[dict[str, Any]]:
    """The outbox rows (read with sqlite3 while the service runs; empty before its tables exist)."""
    if not db.exists():
        return []
    try:
        with closing(sqlite3.connect(db, timeout=10)) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute("SELECT * FROM outbox ORDER BY id")]
    except sqlite3.OperationalError:
        return []


def states(db: Path) -> Counter[str]:
    return Counter(r["state"] for r in outbox(db))


def flat(message: dict[str, Any]) -> str:
    return json.dumps(message["payload"], ensure_ascii=False)


def mails(sink: MailSink) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(raw, policy=email.policy.default) for _, raw in sink.mails]  # type: ignore[misc]


# -- 1. down and recovered: one message each, at the robot and by email ----------------------------------------


def test_a_site_down_and_back_gives_one_down_and_one_recovered_message_by_robot_and_email(tmp_path: Path) -> None:
    site = SwitchedSite()
    with site.running(), RobotServer("dingtalk", secret=SECRET, token=TOKEN).running() as robot, \
            smtp_server() as (sink, port):
        proc = serve(tmp_path, "use_registry: false\nsites:\n" + site_entry(site.url, "东山县人民政府网站") + SCHEDULE
                     + "channels:\n" + ding(robot)
                     + f"  - {{name: mail, type: email, smtp: {{host: 127.0.0.1, port: {port}, "
                       "sender: govwatch@county.example, to: [duty@county.example]}}\n"
                     + "alerting: {failure_threshold: 2, success_threshold: 2}\n"
                     + "alerts:\n  - {events: [site_down, site_recovered], channels: [ding, mail]}\n", alerts=True)
        db = tmp_path / "g.db"
        wait_for("visits of the site while up", lambda: probe_count(db) >= 3, proc)
        site.down.set()
        wait_for("the down message", lambda: robot.messages and sink.mails, proc)
        site.down.clear()
        wait_for("the recovered message", lambda: len(robot.messages) >= 2 and len(sink.mails) >= 2, proc)
        seen = probe_count(db)
        wait_for("more good visits", lambda: probe_count(db) >= seen + 3, proc)  # no repeat comes of them
        stop(proc)
    # The robot: two signed messages (a bad signature is refused and not recorded), one delivery id each.
    assert all(r["code"] == 0 for r in robot.requests), robot.requests
    assert [m["delivery_id"] for m in robot.messages] == [f"gw-{r['id']}" for r in outbox(db) if r["channel"] == "ding"]
    titles = [m["payload"]["markdown"]["title"] for m in robot.messages]
    assert len(titles) == 2 and len(set(titles)) == 2
    assert "东山县人民政府网站" in titles[0] and "无法访问" in titles[0] and "【预警】" in titles[0]
    assert "东山县人民政府网站" in titles[1] and "恢复" in titles[1] and "【恢复】" in titles[1]
    # The mail: the same two, Chinese subjects decoded from RFC 2047, one Message-ID each.
    received = mails(sink)
    subjects = [str(m["subject"]) for m in received]
    assert subjects == titles
    assert len({m["message-id"] for m in received}) == 2
    assert [m["to"] for m in received] == ["duty@county.example"] * 2
    assert states(db) == Counter({"sent": 4})  # down and recovered, to each of the two channels


# -- 2. a robot that refuses: retries with backoff, then `failed` in alerts list -----------------------------------


def test_a_refusing_robot_gets_retries_with_backoff_and_the_failure_is_listed(tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}/"  # nobody listens: down after two visits
    with RobotServer("dingtalk", secret=SECRET, token=TOKEN, refuse=lambda _payload: REFUSED).running() as robot:
        proc = serve(tmp_path, "use_registry: false\nsites:\n" + site_entry(down, "西山县人民政府网站") + SCHEDULE
                     + "channels:\n" + ding(robot)
                     + "alerting: {failure_threshold: 2, success_threshold: 2, max_attempts: 3, retry_backoff: 1s}\n"
                     + "alerts:\n  - {events: [site_down], channels: [ding]}\n", alerts=True)
        db = tmp_path / "g.db"
        wait_for("the row to fail", lambda: states(db)["failed"] == 1, proc)
        stop(proc)
    assert robot.messages == []  # refused on HTTP 200 is never counted as sent
    [row] = outbox(db)
    assert (row["event_kind"], row["state"], row["attempts"]) == ("site_down", "failed", 3)
    tries = [r for r in robot.requests if f"delivery gw-{row['id']}" in r["body"]]
    assert [r["code"] for r in tries] == [REFUSED[0]] * 3
    gaps = [b["at"] - a["at"] for a, b in zip(tries, tries[1:], strict=False)]
    assert gaps[0] >= 0.9 and gaps[1] >= 1.9, gaps  # retry_backoff 1s, doubled

    config = str(tmp_path / "service.yaml")
    listing = subprocess.run([sys.executable, "-m", "govwatch", "alerts", "list", "--state", "failed", "--config",
                              config, "--db", str(db)], capture_output=True, text=True, timeout=LIMIT,
                             env={**os.environ, "COLUMNS": "200"})
    assert listing.returncode == 0, listing.stderr
    out = listing.stdout + listing.stderr
    assert "site_down" in out and "failed" in out and str(REFUSED[0]) in out
    as_json = subprocess.run([sys.executable, "-m", "govwatch", "alerts", "list", "--state", "failed", "--json", "-",
                              "--db", str(db)], capture_output=True, text=True, timeout=LIMIT)
    [listed] = json.loads(as_json.stdout)["rows"]
    assert (listed["state"], listed["attempts"]) == ("failed", 3) and str(REFUSED[0]) in listed["last_error"]
    for text in (out, as_json.stdout, json.dumps(row, ensure_ascii=False)):  # with and without --config
        assert SECRET not in text and TOKEN not in text


# -- 3. kill -9 in the middle of a delivery, restart: everything delivered exactly once ----------------------------


def test_kill_9_while_sending_and_a_restart_deliver_every_message_exactly_once(tmp_path: Path) -> None:
    accepting, release = threading.Event(), threading.Event()

    def refuse(_payload: dict[str, Any]) -> tuple[int, str] | None:
        if accepting.is_set():
            return None
        release.wait(LIMIT)  # the robot hangs on the first delivery: the service is killed meanwhile
        return REFUSED

    sites = [(f"http://127.0.0.1:{free_port()}/", f"南山{n}号县人民政府网站") for n in range(3)]
    robot = RobotServer("dingtalk", secret=SECRET, token=TOKEN, refuse=refuse)
    db = tmp_path / "g.db"
    with robot.running():
        config = ("use_registry: false\nsites:\n" + "".join(site_entry(u, n) for u, n in sites) + SCHEDULE
                  + "channels:\n" + ding(robot, extra=", timeout: 60s")
                  + "alerting: {failure_threshold: 2, success_threshold: 2, retry_backoff: 1s}\n"
                  + "alerts:\n  - {events: [site_down], channels: [ding]}\n")
        proc = serve(tmp_path, config, alerts=True)
        try:
            wait_for("a delivery in flight", lambda: bool(robot.requests) and states(db)["sending"] >= 1, proc)
            wait_for("the three down rows", lambda: len(outbox(db)) == 3, proc)
        finally:
            proc.kill()  # kill -9
            proc.communicate(timeout=LIMIT)
        assert proc.returncode == -signal.SIGKILL
        left = states(db)
        assert left["sending"] >= 1 and left["sent"] == 0, left
        release.set()  # the killed service's requests are answered (refused) to nobody …
        wait_for("the robot to answer them", lambda: all("code" in r for r in list(robot.requests)))
        time.sleep(1.0)
        assert robot.messages == [] and all("code" in r for r in robot.requests)
        accepting.set()  # … and the robot takes messages again
        restarted = serve(tmp_path, config, alerts=True)
        wait_for("every row sent", lambda: states(db) == Counter({"sent": 3}), restarted)
        seen = probe_count(db)
        wait_for("more visits of the down sites", lambda: probe_count(db) >= seen + 6, restarted)
        stop(restarted)
    ids = Counter(m["delivery_id"] for m in robot.messages)
    assert ids == Counter({f"gw-{r['id']}": 1 for r in outbox(db)}), ids  # each row once, none twice
    assert sorted(n for _, n in sites) == sorted(
        next(n for _, n in sites if n in flat(m)) for m in robot.messages)  # one down message per site
    assert len(outbox(db)) == 3  # the restart re-fired nothing: the down states were persisted


# -- 4. quiet hours, and the excess over a robot's rate merged into a digest -----------------------------------


def test_quiet_hours_hold_a_recovery_while_site_down_goes_through(tmp_path: Path) -> None:
    now = datetime.now(SHANGHAI)
    start, end = (now - timedelta(hours=1)).strftime("%H:%M"), (now + timedelta(hours=1)).strftime("%H:%M")
    site = SwitchedSite()
    with site.running(), RobotServer("dingtalk", secret=SECRET, token=TOKEN).running() as robot:
        proc = serve(tmp_path, "use_registry: false\nsites:\n" + site_entry(site.url, "北山县人民政府网站") + SCHEDULE
                     + "channels:\n" + ding(robot)
                     + "alerting: {failure_threshold: 2, success_threshold: 2}\n"
                     + f"quiet_hours: {{from: '{start}', to: '{end}', except: [site_down]}}\n"
                     + "alerts:\n  - {events: [site_down, site_recovered], channels: [ding]}\n", alerts=True)
        db = tmp_path / "g.db"
        site.down.set()
        wait_for("the down message", lambda: bool(robot.messages), proc)
        site.down.clear()
        wait_for("the recovery, held", lambda: states(db)["held"] == 1, proc)
        time.sleep(2.0)  # passes of the sender: the held row stays held
        stop(proc)
        assert len(robot.messages) == 1 and "无法访问" in flat(robot.messages[0])
        held = next(r for r in outbox(db) if r["state"] == "held")
        assert held["event_kind"] == "site_recovered"
        assert held["last_error"] == f"held: quiet hours until {end}"
        until = parse_stamp(held["next_attempt_at"])
        assert until is not None and until.astimezone(SHANGHAI).strftime("%H:%M") == end
        assert timedelta(minutes=59) <= until - now <= timedelta(minutes=61)
        # The end of the quiet hours, by the sender's clock: the recovery goes out then, once.
        store = Store(f"sqlite:///{db}")
        try:
            sender = Sender(store, load_service_config(tmp_path / "service.yaml"))
            asyncio.run(sender.drain_once(until - timedelta(minutes=1)))
            assert len(robot.messages) == 1  # not before
            asyncio.run(sender.drain_once(until + timedelta(seconds=1)))
            asyncio.run(sender.drain_once(until + timedelta(minutes=5)))
        finally:
            store.close()
    assert len(robot.messages) == 2 and "恢复" in flat(robot.messages[1])
    assert robot.messages[1]["delivery_id"] == f"gw-{held['id']}"
    assert states(db) == Counter({"sent": 2})


def test_events_over_a_robots_rate_are_merged_into_a_digest_none_dropped(tmp_path: Path) -> None:
    rate, count = 2, 6
    sites = [(f"http://127.0.0.1:{free_port()}/", f"东城{n}号县人民政府网站") for n in range(count)]
    with RobotServer("dingtalk", secret=SECRET, token=TOKEN, rate_per_minute=rate).running() as robot:
        proc = serve(tmp_path, "use_registry: false\nsites:\n" + "".join(site_entry(u, n) for u, n in sites)
                     + SCHEDULE + "channels:\n" + ding(robot, extra=f", rate_per_minute: {rate}")
                     + "alerting: {failure_threshold: 2, success_threshold: 2}\n"
                     + "alerts:\n  - {events: [site_down], channels: [ding]}\n", alerts=True)
        db = tmp_path / "g.db"

        def all_put_off() -> bool:
            found = states(db)
            return found["sent"] == rate and found["merged"] + found["sent"] + found["pending"] >= count \
                and found["merged"] >= 2

        wait_for("the excess merged", all_put_off, proc)
        stop(proc)
        # The robot counts a sliding minute: the service sent no more than it takes, none was refused.
        assert len(robot.messages) == rate
        assert all(r["code"] == 0 for r in robot.requests), [r["code"] for r in robot.requests]
        rows = outbox(db)
        first_sent = min(parse_stamp(r["sent_at"]) for r in rows if r["state"] == "sent")  # type: ignore[type-var]
        for digest in (r for r in rows if r["event_kind"] == "digest"):
            due = parse_stamp(digest["next_attempt_at"])
            assert due is not None and due >= first_sent + timedelta(seconds=60)  # not within the robot's minute
        # Later minutes, by the sender's clock (the robot's own minute is not waited for in real time).
        robot.rate_per_minute = None
        store = Store(f"sqlite:///{db}")
        try:
            sender = Sender(store, load_service_config(tmp_path / "service.yaml"))
            later = datetime.now(SHANGHAI)
            for minutes in range(1, 8):
                asyncio.run(sender.drain_once(later + timedelta(minutes=2 * minutes)))
        finally:
            store.close()
    rows = outbox(db)
    digests = [r for r in rows if r["event_kind"] == "digest"]
    assert digests and all(r["state"] == "sent" for r in digests)
    downs = Counter(r["state"] for r in rows if r["event_kind"] == "site_down")
    assert set(downs) <= {"sent", "merged"} and downs["merged"] >= 2 and sum(downs.values()) == count, downs
    merged = [m for m in robot.messages if "【汇总】发送频率受限" in flat(m)]
    assert merged and any("共" in flat(m) for m in merged)
    # None dropped, none twice: every site's down message arrives once, alone or inside a digest.
    for _, name in sites:
        assert sum(m["payload"]["markdown"]["text"].count(f"【预警】{name}") for m in robot.messages) == 1, name
    assert len(robot.messages) < count


# -- 5. a temporary filing (临时报备) suppresses its site's down alert; measurement goes on -------------------


def test_a_filing_suppresses_its_sites_down_alert_and_probes_are_still_stored(tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}/"
    db = tmp_path / "g.db"
    registry = write_csv(tmp_path / "r.csv", [_row("青山县人民政府", down, "4501210001", "本级门户", "县级", "450121",
                                                   "青山县", "")])
    assert main(["sites", "import", str(registry), "--db", str(db)]) == 0
    today = datetime.now(SHANGHAI).date().isoformat()
    assert main(["filing", "add", down, "--from", today, "--to", today, "--reason", "网站迁移", "--db", str(db)]) == 0
    with RobotServer("dingtalk", secret=SECRET, token=TOKEN).running() as robot:
        proc = serve(tmp_path, "use_registry: true\n" + SCHEDULE + "channels:\n" + ding(robot)
                     + "alerting: {failure_threshold: 2, success_threshold: 2}\n"
                     + "alerts:\n  - {events: [site_down, site_recovered, veto_risk], channels: [ding]}\n", alerts=True)
        wait_for("failed visits well past the threshold", lambda: probe_count(db) >= 6, proc)
        time.sleep(2.0)  # sender passes: nothing to send
        stop(proc)
    assert robot.messages == [] and robot.requests == []
    assert all(r["state"] == "suppressed" for r in outbox(db))  # none pending, held or sent
    with closing(sqlite3.connect(db)) as conn:
        failed = conn.execute("SELECT count(*) FROM probes WHERE ok = 0").fetchone()[0]
        state = conn.execute("SELECT state FROM alert_states WHERE target_key = ?", (f"site:{down}",)).fetchone()
    assert failed >= 6  # measurement unaffected: every failed visit stored
    assert state == ("maintenance",)  # the filing put the target in maintenance: visits noted, nothing told
