"""The dashboard's front-end assets from the npm registry, served at ``/static/vendor/``.

``package.json`` and ``package-lock.json`` (the repository's root) pin echarts and htmx.org (and,
for the accessibility tests only, axe-core); ``npm ci`` (``scripts/bootstrap`` runs it) installs
them into ``node_modules``. Nothing is ever fetched from a CDN: pages load these files from this
server. ``node_modules`` is looked for in ``GOVWATCH_ASSETS_DIR`` when set (the ``node_modules``
folder itself or the folder that holds it), else beside the source tree (an editable install) and
in the working directory.

Only the files named in :data:`VENDOR_FILES` are served, never the rest of ``node_modules``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

__all__ = ["ASSETS_ENV", "VENDOR_PREFIX", "VENDOR_FILES", "TEST_FILES", "AssetsMissing", "node_modules",
           "vendor_files", "vendor_app", "mount_vendor"]

log = logging.getLogger(__name__)

ASSETS_ENV = "GOVWATCH_ASSETS_DIR"
VENDOR_PREFIX = "/static/vendor"
VENDOR_FILES = {  # served name -> path inside node_modules (the packages' own minified builds)
    "echarts.min.js": "echarts/dist/echarts.min.js",
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
}
TEST_FILES = {  # installed by `npm ci` without --omit=dev (scripts/bootstrap --test): served when present
    "axe.min.js": "axe-core/axe.min.js",
}
JAVASCRIPT = "text/javascript; charset=utf-8"
INSTALL_HINT = "run `npm ci` in the govwatch checkout (scripts/bootstrap does it; npm comes with Debian's npm package)"


class AssetsMissing(RuntimeError):
    """The npm assets are not installed (the message says where they were looked for and what to run)."""


def _candidates() -> Iterable[Path]:
    given = os.environ.get(ASSETS_ENV)
    if given:
        yield Path(given)
        return
    here = Path(__file__).resolve()
    yield from (parent for parent in here.parents[2:5])  # src/, the checkout, its parent
    yield Path.cwd()


def node_modules() -> Path | None:
    """The ``node_modules`` folder holding the assets (see the module docstring), or None."""
    for folder in _candidates():
        for found in (folder, folder / "node_modules"):
            if (found / VENDOR_FILES["htmx.min.js"]).is_file():
                return found
    return None


def _searched() -> str:
    return ", ".join(str(p) for p in _candidates())


def vendor_files(*, test: bool = False) -> dict[str, Path]:
    """``/static/vendor/<name>`` -> the installed file, for echarts and htmx (with ``test``, axe-core
    too). Raises :class:`AssetsMissing`, naming ``npm ci``, when a file is not installed."""
    wanted = {**VENDOR_FILES, **(TEST_FILES if test else {})}
    root = node_modules()
    if root is None:
        raise AssetsMissing(f"the dashboard's front-end assets are not installed (no node_modules with htmx.org "
                            f"in {_searched()}; {ASSETS_ENV} names another): {INSTALL_HINT}")
    found = {f"{VENDOR_PREFIX}/{name}": root / inside for name, inside in wanted.items()}
    missing = [str(path) for path in found.values() if not path.is_file()]
    if missing:
        extra = " (axe-core is a development dependency: `npm ci` without --omit=dev)" if test else ""
        raise AssetsMissing(f"front-end assets missing: {', '.join(missing)}: {INSTALL_HINT}{extra}")
    return found


def vendor_app() -> Starlette:
    """An app serving the vendor files by name (mount it at :data:`VENDOR_PREFIX`): echarts and htmx,
    and axe-core when installed. Raises :class:`AssetsMissing` when echarts or htmx is not."""
    files = {url.rsplit("/", 1)[1]: path for url, path in vendor_files().items()}
    root = node_modules()
    assert root is not None  # vendor_files found it
    files.update({name: root / inside for name, inside in TEST_FILES.items() if (root / inside).is_file()})

    def serve(request: Request) -> Response:
        path = files.get(request.path_params["name"])
        if path is None:
            return PlainTextResponse("未找到该文件", status_code=404)
        return FileResponse(path, media_type=JAVASCRIPT, headers={"Cache-Control": "public, max-age=86400"})

    return Starlette(routes=[Route("/{name}", serve, methods=["GET", "HEAD"])])


def _missing_app(reason: str) -> Starlette:
    """Answers every vendor path 503 with the reason: pages still render; scripts say what to run."""

    def missing(_request: Request) -> Response:
        return PlainTextResponse(f"前端资源未安装：{reason}", status_code=503)

    return Starlette(routes=[Route("/{name:path}", missing, methods=["GET", "HEAD"])])


def mount_vendor(app: FastAPI) -> None:
    """Mount the vendor files at :data:`VENDOR_PREFIX` (before ``/static``). When they are not
    installed the server still starts: a warning is logged and those paths answer 503 naming ``npm ci``."""
    try:
        served = vendor_app()
    except AssetsMissing as exc:
        log.warning("%s", exc)
        served = _missing_app(str(exc))
    app.mount(VENDOR_PREFIX, served, name="vendor")
