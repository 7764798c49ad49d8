"""Unreadable simulated sites (``SiteSpec.access``, ``govwatch.sim.access``): each mode answers as the
manifest's ``access`` truth says, the challenge pages are ones the crawler's WAF markers recognise,
the choice is seeded, a refused site's port refuses connections, and ``govwatch sim serve|export
--variation N`` builds variation N."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from govwatch.commands.main import main
from govwatch.crawl.challenge import challenge_marker
from govwatch.sim import Portfolio, SimOptions, SimServer, SiteSpec
from govwatch.sim.access import ACCESS_MODES, CHALLENGES, FAILING_STATUSES, Challenge, choose_access
from govwatch.sim.manifest import build_manifest
from govwatch.sim.site import SiteGenerator
from tests.sim.sim_helpers import AS_OF, OPTIONS

FAMILIES = ("trs", "jcms", "legacy")
SITES = tuple(SiteSpec(f"{family}_{mode.replace('-', '_')}", family, "host", access=mode)  # type: ignore[arg-type]
              for family in FAMILIES for mode in ACCESS_MODES)


def _options(variation: int) -> SimOptions:
    return SimOptions(seed=7, as_of=AS_OF, site_pages=60, sites=SITES, hostile=False, variation=variation)


def _inner_page(gen: SiteGenerator) -> str:
    """A page the site serves besides its homepage (its first list page)."""
    return gen.layout.list_path(gen.columns[0], 0)


@pytest.mark.parametrize("challenge", CHALLENGES, ids=[c.vendor for c in CHALLENGES])
def test_every_challenge_page_is_one_the_crawler_recognises(challenge: Challenge) -> None:
    marker = challenge_marker(challenge.status, challenge.body.encode("utf-8"))
    assert marker is not None and marker.vendor == challenge.vendor


@pytest.mark.parametrize("variation", (0, 1, 2, 3))
def test_each_mode_answers_as_the_manifest_says(variation: int) -> None:
    portfolio = Portfolio.with_fake_ports(_options(variation))
    manifest = build_manifest(portfolio)
    for site_id, gen in portfolio.sites.items():
        truth = manifest["sites"][site_id]["access"]
        assert truth["mode"] == gen.spec.access
        home, inner = gen.respond("GET", ""), gen.respond("GET", _inner_page(gen))
        mode = truth["mode"]
        if mode in ("open", "refused"):  # refused: the server never listens; the generator is intact
            assert truth == {"mode": mode, "vendor": None, "status": None,
                             "incomplete": None if mode == "open" else "crawl.homepage_failed"}
            assert home.status == inner.status == 200
            continue
        withheld = [inner] if mode in ("challenge-after-home", "failing") else [home, inner]
        if len(withheld) == 1:
            assert home.status == 200 and challenge_marker(home.status, home.body) is None
        for answer in withheld:
            assert answer.status == truth["status"], (site_id, answer.status)
            marker = challenge_marker(answer.status, answer.body)
            assert (marker.vendor if marker else None) == truth["vendor"], site_id
        if mode == "unavailable":
            assert truth["status"] == 503 and truth["incomplete"] == "crawl.homepage_failed"
        if mode == "failing":
            assert truth["status"] in FAILING_STATUSES and truth["incomplete"] == "crawl.low_read_share"


def test_variation_zero_takes_the_first_choices_and_others_are_seeded() -> None:
    assert choose_access(7, 0, "a", "challenge").challenge == CHALLENGES[0]
    assert choose_access(7, 0, "a", "failing").failing_status == FAILING_STATUSES[0]
    assert choose_access(7, 2, "a", "challenge") == choose_access(7, 2, "a", "challenge")
    # Over the seeds the e2e tests use, every challenge vendor and failing status is built.
    picked = {choose_access(7, v, site.id, site.access) for v in (1, 2, 3) for site in SITES}
    assert {a.challenge for a in picked if a.challenge} == set(CHALLENGES)
    assert {a.failing_status for a in picked if a.failing_status} == set(FAILING_STATUSES)


def test_the_default_portfolio_is_open() -> None:
    manifest = build_manifest(Portfolio.with_fake_ports(OPTIONS))
    assert manifest["sites"]["hostile"]["access"] is None
    for site_id in ("trs", "jcms", "legacy", "fgw", "jyj"):
        assert manifest["sites"][site_id]["access"] == {"mode": "open", "vendor": None, "status": None,
                                                        "incomplete": None}


def test_bad_access_is_refused() -> None:
    with pytest.raises(ValueError, match="access"):
        SiteSpec("x", "trs", access="closed")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="host"):
        SiteSpec("x", "trs", "prefix", access="refused")


def test_a_refused_site_refuses_connections_and_its_neighbours_answer() -> None:
    sites = (SiteSpec("open", "trs"), SiteSpec("shut", "jcms", access="refused"),
             SiteSpec("dept", "trs", "prefix", "department", dept="fgw"))
    options = SimOptions(seed=7, as_of=AS_OF, site_pages=60, sites=sites, hostile=False)
    with SimServer(options).running() as server:
        port = int(server.site_url("shut").rsplit(":", 1)[1].rstrip("/"))
        with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
            sock.settimeout(3)
            sock.connect(("127.0.0.1", port))
        assert server.manifest["sites"]["shut"]["access"]["incomplete"] == "crawl.homepage_failed"
        for site_id in ("open", "dept"):
            host, _, rest = server.site_url(site_id).removeprefix("http://").partition("/")
            with socket.create_connection((host.split(":")[0], int(host.split(":")[1])), timeout=3) as sock:
                sock.sendall(f"GET /{rest} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
                assert sock.recv(12).startswith(b"HTTP/1.")


def test_sim_export_takes_the_variation(tmp_path: Path) -> None:
    """``sim export --variation 2`` writes the variation's construction (its site map page and
    external list script exist only for N >= 1)."""
    common = ["--site", "trs", "--pages", "60", "--as-of", AS_OF.isoformat(), "--origin", "http://127.0.0.1:8088"]
    assert main(["sim", "export", "--dir", str(tmp_path / "v0"), *common]) == 0
    assert main(["sim", "export", "--dir", str(tmp_path / "v2"), "--variation", "2", *common]) == 0
    assert not (tmp_path / "v0" / "js" / "list.js").exists()
    assert (tmp_path / "v2" / "js" / "list.js").is_file()


def test_sim_serve_takes_the_variation(tmp_path: Path) -> None:
    manifest_path = tmp_path / "m.json"
    code = ("from govwatch.commands.main import main; raise SystemExit(main(['sim', 'serve', '--port', '0', "
            f"'--pages', '60', '--as-of', '{AS_OF.isoformat()}', '--variation', '2', '--manifest', {str(manifest_path)!r}]))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[2] / "src"),
                                                         os.environ.get("PYTHONPATH", "")]))
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env) as proc:
        try:
            for _ in range(20):  # bounded: one line per site plus bases and the manifest line
                line = proc.stdout.readline() if proc.stdout else ""
                if not line or line.startswith("manifest:"):
                    break
            sites = json.loads(manifest_path.read_text(encoding="utf-8"))["sites"]
            assert {sid: e["variation"]["index"] for sid, e in sites.items() if sid != "hostile"} == {
                sid: 2 for sid in ("trs", "jcms", "legacy", "fgw", "jyj")}
        finally:
            proc.send_signal(signal.SIGINT)  # stop our own child, by its PID
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
