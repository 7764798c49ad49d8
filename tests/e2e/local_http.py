"""A folder of hand-written pages served over real HTTP on 127.0.0.1, for end-to-end tests.

``serve_folder`` runs Python's threading HTTP server over a folder (the bytes on disk are the
responses) with optional extra routes: a path mapped to a status and a body, for API endpoints
that fail or answer with a chosen content type.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import BaseRequestHandler
from typing import Any

Route = tuple[int, str, bytes]  # status, content type, body


class _Handler(SimpleHTTPRequestHandler):
    routes: dict[str, Route] = {}

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server interface
        route = self.routes.get(self.path.split("#", 1)[0])
        if route is None:
            super().do_GET()
            return
        status, content_type, body = route
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serving(handler: Callable[..., BaseRequestHandler]) -> Iterator[str]:
    """Run a threading HTTP server with ``handler`` on 127.0.0.1; yields its base URL (no trailing /)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_folder(root: Path, routes: dict[str, Route] | None = None) -> Iterator[str]:
    """Serve ``root`` (and ``routes``, path with query → response) on 127.0.0.1; yields the base URL."""
    handler = type("Handler", (_Handler,), {"routes": dict(routes or {})})
    with serving(partial(handler, directory=str(root))) as base:
        yield base


def write_pages(root: Path, pages: dict[str, str]) -> None:
    """Write ``path → text`` under ``root`` (UTF-8), creating folders."""
    for path, text in pages.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
