"""``govwatch demo``: serve the simulated portfolio on 127.0.0.1 and inspect every site."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console

from govwatch.clock import parse_as_of
from govwatch.pipeline import inspect_site
from govwatch.progress import crawl_progress
from govwatch.report.html import render_template, write_html
from govwatch.settings import Settings, load_settings
from govwatch.store.db import Store

DEMO_SITES = ("trs", "jcms", "legacy", "fgw", "jyj")


def demo_settings(db_url: str) -> Settings:
    """Settings for the simulator: fast loopback crawling, offline external links,
    a timeout below the simulator's slow pages so they show as timeouts."""
    return load_settings(overrides={
        "crawl": {"concurrency": 24, "per_host_concurrency": 12, "per_host_rate": 0, "timeout": 2.0,
                  "connect_timeout": 2.0, "backoff": 0.2, "network": "offline"},
        "store": {"url": db_url},
    }, environ={})


def run_demo(args: argparse.Namespace, console: Console) -> int:
    from govwatch.sim import SimOptions, SimServer

    as_of = parse_as_of(args.as_of)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    db_path = out / "govwatch.db"
    db_path.unlink(missing_ok=True)
    settings = demo_settings(f"sqlite:///{db_path}")
    store = Store(settings.store.url)
    site_ids = [s.strip() for s in args.sites.split(",")] if args.sites else list(DEMO_SITES)
    options = SimOptions(seed=args.seed, as_of=as_of, site_pages=args.pages, slow_seconds=3.0)
    rows: list[dict[str, Any]] = []
    with SimServer(options).running() as sim:
        (out / "manifest.json").write_text(json.dumps(sim.manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        unknown = [s for s in site_ids if s not in sim.manifest["sites"]]
        if unknown:
            console.print(f"[red]error:[/] unknown simulated site(s): {', '.join(unknown)}")
            return 2
        for site_id in site_ids:
            url = sim.site_url(site_id)
            console.print(f"inspecting simulated site [bold]{site_id}[/] at {url}")
            with crawl_progress(console, site_id) as progress:
                inspection = inspect_site(url, settings, store, as_of=as_of, progress=progress)
            doc = inspection.document
            site_dir = out / site_id
            site_dir.mkdir(parents=True, exist_ok=True)
            (site_dir / "inspection.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
            report = write_html(doc, site_dir)
            broken = doc["links"]["broken"]
            rows.append({"id": site_id, "name": doc["site"]["name"], "url": url, "report": f"{site_id}/report.html",
                         "pages": doc["pages"]["crawled"], "failed": doc["pages"]["failed"],
                         "broken": len(broken), "homepage_broken": sum(b["scope"] == "homepage" for b in broken),
                         "findings": len(doc["findings"])})
            columns = doc["columns"]
            console.print(f"  {doc['pages']['crawled']} pages, {len(broken)} broken links, {len(columns)} columns "
                          f"({sum(1 for c in columns if c['stale'])} stale, {sum(1 for c in columns if c['blank'])} blank), "
                          f"{doc['homepage']['items_in_window']} homepage items in {doc['homepage']['window_days']} days "
                          f"→ {report}")
    index = out / "index.html"
    index.write_text(render_template("demo_index.html.j2", rows=rows, as_of=as_of.isoformat()), encoding="utf-8")
    print(f"demo report: {index.resolve()}")
    return 0
