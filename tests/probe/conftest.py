"""Fixtures for probe tests: flaky servers on 127.0.0.1 (started and stopped by each test)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from govwatch.sim.flaky import FlakyConfig, FlakyServer

PROBE_TIMEOUT = 0.5  # the probes' timeout in tests
HANG_SECONDS = 1.5  # how long a hanging server keeps a connection open: well past the timeout


@pytest.fixture()
def flaky() -> Iterator[Callable[..., FlakyServer]]:
    """Start flaky servers (``flaky(**FlakyConfig fields)``); all are stopped after the test."""
    with ExitStack() as stack:
        def start(ssl_context: ssl.SSLContext | None = None, **config: object) -> FlakyServer:
            config.setdefault("hang_seconds", HANG_SECONDS)
            server = FlakyServer(FlakyConfig(**config), ssl_context=ssl_context)  # type: ignore[arg-type]
            return stack.enter_context(server.running())
        yield start


@pytest.fixture(scope="session")
def tls_context(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """A server-side TLS context with a fresh self-signed certificate (needs the openssl tool)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl tool is not installed")
    folder: Path = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=localhost", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx
