"""``govwatch extract``: what govwatch understands of one page, a file or a URL (thin: read or
fetch, extract, print)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from govwatch.commands.common import (
    EXIT_FAILURE,
    EXIT_OK,
    UsageError,
    add_crawl_flags,
    console,
    crawl_settings,
    plain,
    write_json,
)


def cmd_extract(args: argparse.Namespace) -> int:
    from govwatch.extract import extract_page, facts_to_json

    source = args.file_or_url
    if source.startswith(("http://", "https://")):
        from govwatch.crawl.single import fetch_one

        result = fetch_one(source, crawl_settings(args))
        if not result.ok:
            plain(console, f"无法获取 {source}：{result.error or result.status} {result.error_detail}")
            return EXIT_FAILURE
        body, url, ctype = result.body, args.url or result.final_url, result.content_type
    else:
        path = Path(source)
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"无法读取 {path}：{exc.strerror}") from None
        url, ctype = args.url or path.resolve().as_uri().replace("file://", "http://localhost"), ""
    facts = extract_page(body, url, content_type=ctype, site_root=args.site_root)
    write_json(facts_to_json(facts), args.json)
    if args.json and args.json != "-":
        plain(console, f"{facts.page_type}：{facts.title!r}，链接 {len(facts.links)} 个，"
                       f"列表条目 {sum(len(b.items) for b in facts.lists)} 个 → {args.json}")
    return EXIT_OK


def add_extract_command(sub: Any) -> None:
    """Register ``extract`` on the CLI's subparsers."""
    p = sub.add_parser("extract", help="show what govwatch understands of one page")
    p.add_argument("file_or_url")
    p.add_argument("--url", help="the page's URL, to resolve relative links of a file")
    p.add_argument("--site-root", help="the site's homepage URL (helps tell the homepage apart)")
    p.add_argument("--json", help="write the extract JSON here (default: stdout)")
    add_crawl_flags(p)
    p.set_defaults(func=cmd_extract)
