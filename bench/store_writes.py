"""Store write benchmark: the crawl's writer (``store.writer.RunWriter``) on SQLite and PostgreSQL.

    .venv/bin/python bench/store_writes.py [--pages 6000] [--batch 400] [--pg URL] [--no-pg] [--repeat 3]

Writes one synthetic crawl of ``--pages`` pages in batches of ``--batch`` records, the way the
crawler does (``RunWriter.write_batch``, one transaction per batch): each page a fetch row, a
pages row with its facts (about 1.5 kB of JSON), its compressed body (unique), a marker link to
the site template (24 links, stored once) and 14 own links, half of them to new URLs; every third
page also a checked resource (a fetch row only). Each repetition writes into a new database: a
temporary SQLite file, and a throwaway PostgreSQL database on ``--pg`` (default: the tests' server,
``GOVWATCH_TEST_PG`` or ``postgresql+psycopg://govwatch:govwatch@127.0.0.1:5432/postgres``),
dropped afterwards. Prints, per backend, the best of ``--repeat``: seconds, pages/s and rows/s
(rows of fetches, pages, links, urls and blobs together).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import create_engine, func, make_url, select  # noqa: E402

from govwatch.core.model import FetchResult, Link, PreparedPage  # noqa: E402
from govwatch.store import tables as t  # noqa: E402
from govwatch.store.blobs import body_hash, compress  # noqa: E402
from govwatch.store.db import Store  # noqa: E402
from govwatch.store.writer import FetchRecord, RunWriter  # noqa: E402

SITE = "http://www.bench.gov.cn/"
PG_DEFAULT = os.environ.get("GOVWATCH_TEST_PG", "postgresql+psycopg://govwatch:govwatch@127.0.0.1:5432/postgres")
TEMPLATE = tuple(Link(url=f"{SITE}col{i}/", text=f"栏目{i}", kind="page", tag="a", via="html") for i in range(24))


def records(n_pages: int) -> list[FetchRecord]:
    """The synthetic crawl (see the module docstring), fixed by a seed."""
    rnd = random.Random(5)
    out: list[FetchRecord] = []
    facts = json.dumps({"title": "关于印发某某办法的通知", "meta": {"keywords": "政务公开,通知"},
                        "footer": {"sponsor": "某某市人民政府办公室", "icp": "京ICP备00000000号"},
                        "text": "政府信息公开" * 100}, ensure_ascii=False)
    for i in range(n_pages):
        url = f"{SITE}art/{i}.html"
        body = f"<html><body><h1>文章{i}</h1>{'正文内容' * 300}{rnd.random()}</body></html>".encode()
        page = PreparedPage(page_type="article", title=f"文章{i}", publish_date="2026-11-20", facts_json=facts,
                            links=[], pagination=[], encoding="utf-8", soft_404=False, body_hash=body_hash(body),
                            body_size=len(body), body_zstd=compress(body))
        result = FetchResult(url=url, final_url=url, method="GET", status=200, error=None, error_detail="",
                             content_type="text/html; charset=utf-8", headers={}, body=body, elapsed_ms=12.3,
                             first_byte_ms=4.5)
        own = [Link(url=f"{SITE}art/{i + k if k < 7 else rnd.randrange(n_pages)}.html", text=f"链接{k}", kind="page",
                    tag="a", via="html") for k in range(1, 15)]
        out.append(FetchRecord(url=url, role="page", kind="page", depth=2, result=result, extracted=page,
                               links=own, template=TEMPLATE))
        if i % 3 == 0:
            res_url = f"{SITE}files/{i}.pdf"
            res = FetchResult(url=res_url, final_url=res_url, method="HEAD", status=200, error=None, error_detail="",
                              content_type="application/pdf", headers={}, body=b"", elapsed_ms=3.0)
            out.append(FetchRecord(url=res_url, role="resource", kind="attachment", depth=3, result=res))
    return out


def write_all(store: Store, recs: list[FetchRecord], batch: int) -> tuple[float, int]:
    """Seconds to write ``recs`` in batches, and the rows then stored."""
    run_id = store.create_run(store.site_id(SITE), "2026-12-04", {"crawl": {}})
    writer = RunWriter(store, run_id, batch_size=batch)
    start = time.perf_counter()
    for i in range(0, len(recs), batch):
        writer.write_batch(recs[i:i + batch])
    elapsed = time.perf_counter() - start
    with store.engine.connect() as conn:
        rows = sum(conn.execute(select(func.count()).select_from(table)).scalar_one()
                   for table in (t.fetches, t.pages, t.links, t.urls, t.blobs))
    return elapsed, rows


def on_sqlite(recs: list[FetchRecord], batch: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            return write_all(store, recs, batch)
        finally:
            store.close()


def on_postgresql(server_url: str) -> Callable[[list[FetchRecord], int], tuple[float, int]]:
    def run(recs: list[FetchRecord], batch: int) -> tuple[float, int]:
        server = create_engine(server_url, isolation_level="AUTOCOMMIT")
        name = f"govwatch_bench_{uuid.uuid4().hex[:8]}"
        with server.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            store = Store(make_url(server_url).set(database=name).render_as_string(hide_password=False))
            try:
                return write_all(store, recs, batch)
            finally:
                store.close()
        finally:
            with server.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
            server.dispose()
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", default=PG_DEFAULT, help="PostgreSQL server URL (a database is made and dropped)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()
    recs = records(args.pages)
    backends: list[tuple[str, Callable[[list[FetchRecord], int], tuple[float, int]]]] = [("sqlite", on_sqlite)]
    if not args.no_pg:
        backends.append(("postgresql", on_postgresql(args.pg)))
    print(f"{args.pages} pages, {len(recs)} records, batches of {args.batch}; best of {args.repeat}")
    for name, run in backends:
        best, rows = min(run(recs, args.batch) for _ in range(args.repeat))
        print(f"{name:<11} {best:6.2f} s  {args.pages / best:8.0f} pages/s  {rows / best:9.0f} rows/s  ({rows} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
