"""Fault family: the SSRF guard (issue 17 item 12, crawl/address_guard.py).

A real site on 127.0.0.1 links to an "internal" server on another loopback port by IP literal, by
the name ``localhost`` and by a ``*.localhost`` name (both resolve to loopback), and redirects one of
its own URLs there. With no allowance the crawl never connects to the internal server (it counts
every request it gets), each URL is recorded with the ``blocked_address`` error class and listed as
unverifiable in the JSON, never as a broken link; the site itself, also on loopback, is crawled (its
host and port are the seed's). With the simulator's allowance (``crawl.allow_private``) the same
links are fetched.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from govwatch.pipeline import inspect_site
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData
from tests.conftest import AS_OF, SIM_ALLOW_PRIVATE, sim_settings
from tests.e2e.local_http import serving

COMPLETION_BOUND_S = 60  # generous: the whole inspection of a 2-page site


class _Internal(BaseHTTPRequestHandler):
    """The server no crawl may reach uninvited; it counts what it is asked. (The crawl runs online:
    every host here is on loopback, so nothing leaves the machine.)"""

    hits: list[str] = []
    lock = threading.Lock()

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server interface
        with self.lock:
            self.hits.append(self.path)
        body = b"<html><body>internal</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET  # noqa: N815


def _site_handler(internal_port: int) -> type[BaseHTTPRequestHandler]:
    links = [f"http://127.0.0.1:{internal_port}/secret", f"http://localhost:{internal_port}/by-name",
             f"http://intranet.localhost:{internal_port}/by-subdomain", "/go", "/about.html"]
    home = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>某县人民政府</title></head><body>"
            + "".join(f"<a href='{href}'>链接{i}</a>" for i, href in enumerate(links)) + "</body></html>").encode()

    class Site(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - the http.server interface
            if self.path == "/go":  # one of the site's own URLs redirecting into the internal network
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.1:{internal_port}/redirected")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = home if self.path in ("/", "/index.html") else b"<html><body><a href='/'>home</a></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET  # noqa: N815

    return Site


@pytest.fixture()
def servers() -> Iterator[tuple[str, int]]:
    _Internal.hits.clear()
    with serving(_Internal) as internal:
        port = int(internal.rsplit(":", 1)[1])
        with serving(_site_handler(port)) as site:
            yield site, port


def _inspect(tmp_path: Any, site: str, allow_private: list[str]) -> tuple[dict[str, Any], StoreRunData]:
    store = Store(f"sqlite:///{tmp_path / 'run.db'}")
    holder: dict[str, Any] = {}

    def run() -> None:
        holder["inspection"] = inspect_site(f"{site}/", sim_settings(store.url, allow_private=allow_private, network="online"),
                                            store, as_of=AS_OF)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(COMPLETION_BOUND_S)
    assert not thread.is_alive(), f"the inspection did not finish within {COMPLETION_BOUND_S} s"
    inspection = holder["inspection"]
    return inspection.document, StoreRunData(store, inspection.run_id)


def test_links_names_and_redirects_to_private_addresses_are_blocked(servers: tuple[str, int], tmp_path: Any) -> None:
    site, port = servers
    doc, data = _inspect(tmp_path, site, [])
    assert _Internal.hits == [], "the crawl connected to a loopback server that is not the site"
    blocked = {f"http://127.0.0.1:{port}/secret", f"http://localhost:{port}/by-name",
               f"http://intranet.localhost:{port}/by-subdomain", f"{site}/go"}
    for url in blocked:
        row = data.fetches[url]
        assert row["error"] == "blocked_address", (url, row["error"], row["error_detail"])
        assert "loopback" in row["error_detail"], row["error_detail"]
    assert data.fetches[f"{site}/go"]["status"] in (None, 302)  # the hop that was refused is the redirect's target
    assert data.fetches[f"{site}/about.html"]["status"] == 200  # the site itself, on loopback, is crawled
    assert blocked <= set(doc["links"]["unverifiable"])
    assert not {b["url"] for b in doc["links"]["broken"]} & blocked, "a blocked link is no broken link"


def test_the_allow_list_lets_the_crawl_reach_private_hosts(servers: tuple[str, int], tmp_path: Any) -> None:
    site, port = servers
    _doc, data = _inspect(tmp_path, site, list(SIM_ALLOW_PRIVATE))
    assert {"/secret", "/by-name", "/by-subdomain", "/redirected"} <= set(_Internal.hits)
    assert not [url for url, row in data.fetches.items() if row["error"] == "blocked_address"]
