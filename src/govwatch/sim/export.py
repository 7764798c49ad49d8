"""Static export of one simulated site, for serving with nginx in benchmarks.

Pages are generated one at a time and written straight to disk (nothing is
held in memory). Layout on disk mirrors the URL paths under ``origin``: a prefix
site is written under ``sites/<id>/``. JCMS dataproxy groups are written to
``module/web/jpage/dataproxy/<columnid>_<startrecord>.xml``; map the query
string onto that file in nginx, e.g.::

    location = /module/web/jpage/dataproxy.jsp {
        try_files /module/web/jpage/dataproxy/${arg_columnid}_${arg_startrecord}.xml =404;
    }

The JSON endpoint of a script-filled column is a plain file at its own path
(``.json``: serve it as ``application/json``, e.g. ``types { application/json json; }``).

Planted faults a static server cannot reproduce are not written (they become
404s) or are written as plain pages; the summary lists each with ``served_as``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from govwatch.sim.manifest import norm, site_entry
from govwatch.sim.options import SimOptions
from govwatch.sim.portfolio import site_origins
from govwatch.sim.site import SiteGenerator

DEAD_BASE = "http://127.0.0.1:9/"  # discard port: nobody listens there on a normal machine
_AS_404 = {"410", "500", "slow", "reset"}
_AS_PLAIN_PAGE = {"head405", "head403", "retry429", "reset_once", "error503_once", "slow_ok"}


class _Writer:
    """Writes files below a directory, creating folders once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.folders: set[Path] = set()
        self.files = 0
        self.bytes = 0

    def write(self, rel: str, body: bytes) -> None:
        path = self.directory / rel
        folder = path.parent
        if folder not in self.folders:
            folder.mkdir(parents=True, exist_ok=True)
            self.folders.add(folder)
        with open(path, "wb") as fh:
            fh.write(body)
        self.files += 1
        self.bytes += len(body)


def export_static(options: SimOptions, site_id: str, directory: str | os.PathLike[str], origin: str, *,
                  external_base: str = DEAD_BASE, refused_base: str = DEAD_BASE) -> dict[str, Any]:
    """Write every page and file of site ``site_id`` below ``directory``.

    ``origin`` (``http://host:port``) is where the files will be served; pages
    carry it in absolute URLs and meta tags. Returns a summary with counts, the
    site's manifest entry (as served from ``origin``) and the skipped faults.
    """
    spec = options.spec(site_id)
    index = options.portfolio.index(spec)
    origins = site_origins(options, spec, origin.rstrip("/"), external_base, refused_base)
    gen = SiteGenerator(options, spec, index, origins)
    root = origins.root.lstrip("/")
    out = _Writer(Path(directory))
    pages = 0
    for path, _kind in gen.iter_pages():
        answer = gen.respond("GET", path)
        out.write(root + (path or "index.html"), answer.body)
        pages += 1
    for path in gen.iter_files():
        out.write(root + path, gen.respond("GET", path).body)
    endpoints = 0
    for _col, path in gen.iter_endpoints():
        out.write(root + path, gen.respond("GET", path).body)
        endpoints += 1
    groups = 0
    for col in gen.columns:
        if spec.family != "jcms" or col.blank or col.js:
            continue
        starts = [(1, min(col.items, 3 * col.per_page))] + [(s, e) for c, s, e in gen.iter_groups() if c is col]
        for start, end in starts:
            answer = gen.dataproxy({"columnid": str(col.jcms_id), "startrecord": str(start), "endrecord": str(end)})
            out.write(f"{root}module/web/jpage/dataproxy/{col.jcms_id}_{start}.xml", answer.body)
            groups += 1
    skipped = []
    for path, fault in gen.plan.faults.items():
        if fault == "soft404":
            out.write(root + path, gen.respond("GET", path).body)
        elif fault in _AS_404:
            skipped.append({"target": norm(gen.url(path)), "fault": fault, "served_as": "404"})
        elif fault in _AS_PLAIN_PAGE:
            skipped.append({"target": norm(gen.url(path)), "fault": fault, "served_as": "200"})
    return {
        "site_id": site_id,
        "directory": str(directory),
        "origin": origin,
        "base_url": norm(gen.base_url),
        "pages": pages,
        "files": out.files,
        "dataproxy_groups": groups,
        "endpoints": endpoints,
        "bytes": out.bytes,
        "skipped_faults": skipped,
        "manifest": site_entry(gen),
    }
