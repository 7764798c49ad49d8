"""``govwatch counterfeit``: pages elsewhere that claim a registered site's identity (假冒政府网站).

- ``counterfeit check URL|FILE [--found-at URL]``: fetch (or read) one page, judge it against the
  registry, print the evidence; a counterfeit or suspect page is stored in ``counterfeit_suspects``.
- ``counterfeit candidates [--org CODE] [--probe] [--limit N]``: the look-alike hosts of the registered
  sites; with ``--probe`` each is resolved and its homepage fetched, and every page that claims a
  registered site's identity is stored for that site's office.
- ``counterfeit list [--site URL] [--state S]`` and ``counterfeit mark ID open|reported|closed``: the
  record, and the office's progress on it.

docs/counterfeit.md describes the decision, the evidence and the candidates.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govwatch.commands.common import (
    EXIT_FAILURE,
    EXIT_OK,
    UsageError,
    add_crawl_flags,
    add_store_flags,
    cli_settings,
    console,
    crawl_settings,
    open_store,
    plain,
    write_json,
)

if TYPE_CHECKING:
    from govwatch.analysis.counterfeit import Decision, PageProfile, RegistrySite
    from govwatch.core.settings import Settings
    from govwatch.store.db import Store

_VERDICT_TEXT = {"counterfeit": "假冒网站", "suspect": "疑似假冒网站", "genuine": "登记网站自身的页面",
                 "unrelated": "与登记网站无关"}


# -- the registry as the decision needs it ---------------------------------------------------------


def _registry(store: Store, org: str | None = None) -> list[RegistrySite]:
    from govwatch.analysis.counterfeit import RegistrySite
    from govwatch.registry.errors import RegistryError
    from govwatch.registry.sites import registered_sites

    try:
        sites = registered_sites(store, org)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    if not sites:
        raise UsageError("库中没有登记网站" + (f"（机构 {org} 及其下级）" if org else "")
                         + "：请先用 govwatch sites import 导入网站名录")
    return [RegistrySite(id=s.id, name=s.name, url=s.url, site_code=s.site_code, icp=s.icp,
                         police_record=s.police_record, sponsor=s.sponsor, contact=s.contact) for s in sites]


def _with_home(store: Store, site: RegistrySite) -> RegistrySite:
    """``site`` with its stored homepage (newest complete run) and the hosts its SiteDomain names."""
    import dataclasses

    from govwatch.analysis.counterfeit import netloc, page_profile
    from govwatch.store.run_listing import newest_full_runs
    from govwatch.store.site_page_rows import page_body

    run_id = newest_full_runs(store).get(site.id)
    stored = page_body(store, run_id, site.url) if run_id is not None else None
    if stored is None:
        return site
    home = page_profile(stored[0], site.url, stored[1])
    domains = home.facts.meta.get("SiteDomain", "").replace("，", ",").replace(";", ",").replace(" ", ",")
    aliases = tuple(loc for d in domains.split(",") if d.strip() and (loc := netloc(d.strip())))
    return dataclasses.replace(site, home=home, aliases=aliases)


def judge(store: Store, profile: PageProfile, found_at: str, sites: list[RegistrySite]) -> Decision:
    """The decision on a page; the impersonated site's stored homepage is read for similarity."""
    from govwatch.analysis.counterfeit import decide

    first = decide(profile, found_at, sites)
    if first.site is None or first.verdict == "unrelated":
        return first
    enriched = [_with_home(store, s) if s.id == first.site.id else s for s in sites]
    return decide(profile, found_at, enriched)


def _record(store: Store, decision: Decision, url: str, source: str) -> int | None:
    from govwatch.analysis.counterfeit import netloc
    from govwatch.store.counterfeit_rows import record_suspect

    if decision.verdict not in ("counterfeit", "suspect") or decision.site is None:
        return None
    row_id, _ = record_suspect(store, site_id=decision.site.id, url=url, host=netloc(url), source=source,
                               confidence=decision.confidence, verdict=decision.verdict,
                               evidence={**decision.evidence, "reasons": decision.reasons})
    return row_id


def _show(decision: Decision, url: str) -> None:
    plain(console, f"页面：{url}")
    plain(console, f"判定：{_VERDICT_TEXT[decision.verdict]}（{decision.verdict}），置信度 {decision.confidence:.2f}")
    if decision.site is not None:
        role = "被冒用的登记网站" if decision.verdict in ("counterfeit", "suspect") else "所属登记网站"
        plain(console, f"{role}：{decision.site.name or ''}（{decision.site.url}）")
    for reason in decision.reasons:
        plain(console, f"  · {reason}")


# -- counterfeit check -----------------------------------------------------------------------------


def _is_web_url(text: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def cmd_check(args: argparse.Namespace) -> int:
    from govwatch.analysis.counterfeit import page_profile

    source = args.url_or_file
    if args.found_at is not None and not _is_web_url(args.found_at):
        raise UsageError(f"--found-at 须是 http(s) 网址（发现该页面的地址），而不是 {args.found_at!r}")
    settings = crawl_settings(args)
    if _is_web_url(source):
        from govwatch.crawl.single import fetch_one

        result = fetch_one(source, settings)
        if not result.ok:
            plain(console, f"无法获取 {source}：{result.error or result.status} {result.error_detail}")
            return EXIT_FAILURE
        body, ctype = result.body, result.content_type
        found_at = args.found_at or result.final_url
    else:
        if args.found_at is None:
            raise UsageError("检查文件时须用 --found-at 指明在哪个网址发现了该页面")
        try:
            body = Path(source).read_bytes()
        except OSError as exc:
            raise UsageError(f"无法读取 {source}：{exc.strerror}") from None
        ctype, found_at = "", args.found_at
    store = open_store(settings)
    sites = _registry(store)
    decision = judge(store, page_profile(body, found_at, ctype), found_at, sites)
    _show(decision, found_at)
    row_id = _record(store, decision, found_at, "check")
    if row_id is not None:
        plain(console, f"已记入假冒网站线索（编号 {row_id}），请所属单位核实后向主管部门报告")
    if args.json:
        write_json({"url": found_at, "verdict": decision.verdict, "confidence": decision.confidence,
                    "site_id": decision.site.id if decision.site else None, "evidence": decision.evidence,
                    "reasons": decision.reasons, "suspect_id": row_id}, args.json)
    return EXIT_OK


# -- counterfeit candidates ------------------------------------------------------------------------


def _targets(site: RegistrySite, limit: int) -> list[tuple[str, str, int]]:
    """(host, homepage URL, port) of the site's look-alike hosts (same scheme and port as the site)."""
    from urllib.parse import urlsplit

    from govwatch.analysis.lookalike import lookalike_candidates

    parts = urlsplit(site.url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    suffix = f":{parts.port}" if parts.port else ""
    return [(h, f"{parts.scheme}://{h}{suffix}/", port) for h in lookalike_candidates(parts.hostname or "", limit)]


def cmd_candidates(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise UsageError(f"--limit 须是正整数，而不是 {args.limit}")
    if args.concurrency_probe < 1:
        raise UsageError(f"--probe-concurrency 须是正整数，而不是 {args.concurrency_probe}")
    settings = crawl_settings(args)
    store = open_store(settings)
    sites = _registry(store, args.org)
    limit = args.limit or 200
    listing = {s.id: _targets(s, limit) for s in sites}
    total = sum(len(v) for v in listing.values())
    if not args.probe:
        for site in sites:
            hosts = [h for h, _, _ in listing[site.id]]
            plain(console, f"{site.name or site.url}（{site.url}）：{len(hosts)} 个相似域名")
            for host in hosts:
                plain(console, f"  {host}")
        if args.json:
            write_json({str(s.id): [h for h, _, _ in listing[s.id]] for s in sites}, args.json)
        return EXIT_OK
    return _probe(store, settings, sites, listing, total, args)


def _probe(store: Store, settings: Settings, sites: list[RegistrySite], listing: dict[int, list[tuple[str, str, int]]],
           total: int, args: argparse.Namespace) -> int:
    from urllib.parse import urlsplit

    from govwatch.analysis.counterfeit import page_profile
    from govwatch.core import aio
    from govwatch.core.netconfig import parse_hosts
    from govwatch.crawl.crawler import is_loopback
    from govwatch.crawl.sitefacts.http import Resolver
    from govwatch.crawl.sitefacts.lookalikes import probe_candidates

    offline = settings.crawl.network == "offline"
    targets = [t for s in sites for t in listing[s.id]]
    resolver = Resolver(parse_hosts(settings.security.hosts))
    timeout = args.timeout or settings.security.timeout
    def allowed(url: str) -> bool:  # where a redirect may lead: offline, only mapped names and loopback
        host = (urlsplit(url).hostname or "").lower()
        return not offline or host in resolver.hosts or is_loopback(url)

    probes = aio.run(probe_candidates(targets, resolver, user_agent=settings.crawl.user_agent, timeout=timeout,
                                      concurrency=args.concurrency_probe, offline=offline, allowed=allowed))
    counts = {"no_address": 0, "offline": 0, "resolved": 0}
    found: list[dict[str, Any]] = []
    for probe in probes:
        counts[probe.state] += 1
        page = probe.page
        if page is None or page.error or page.status != 200 or not page.body:
            continue
        decision = judge(store, page_profile(page.body, page.final_url, page.content_type), page.final_url, sites)
        row_id = _record(store, decision, page.final_url, "candidate")
        if row_id is not None:
            _show(decision, page.final_url)
            found.append({"host": probe.host, "url": page.final_url, "verdict": decision.verdict,
                          "confidence": decision.confidence, "site_id": decision.site.id if decision.site else None,
                          "suspect_id": row_id})
    plain(console, f"相似域名 {total} 个：有地址 {counts['resolved']} 个，无地址（无此网站）{counts['no_address']} 个"
                   + (f"，离线模式未探测 {counts['offline']} 个" if counts["offline"] else "")
                   + f"；发现假冒 {sum(f['verdict'] == 'counterfeit' for f in found)} 个，"
                     f"疑似 {sum(f['verdict'] == 'suspect' for f in found)} 个")
    if offline and counts["offline"]:
        plain(console, "注意：离线模式（crawl.network: offline）只探测 security.hosts 指定的主机和本机地址")
    if args.json:
        write_json({"candidates": total, **counts, "found": found}, args.json)
    return EXIT_OK


# -- counterfeit list / mark ------------------------------------------------------------------------

_STATE_TEXT = {"open": "待处理", "reported": "已报告", "closed": "已关闭"}


def cmd_list(args: argparse.Namespace) -> int:
    from govwatch.store.counterfeit_rows import STATES, suspect_rows
    from govwatch.store.registry_rows import site_id_of

    if args.state is not None and args.state not in STATES:
        raise UsageError(f"--state 须是 {'、'.join(STATES)} 之一，而不是 {args.state!r}")
    store = open_store(cli_settings(args))
    site_id = None
    if args.site is not None:
        site_id = site_id_of(store, args.site)
        if site_id is None:
            raise UsageError(f"系统中没有首页为 {args.site} 的网站")
    rows = suspect_rows(store, site_id=site_id, state=args.state)
    for row in rows:
        site = (row["evidence"].get("site") or {}).get("name") or row["site_id"]
        plain(console, f"[{row['id']}] {_VERDICT_TEXT[row['verdict']]}，置信度 {row['confidence']:.2f}，"
                       f"{_STATE_TEXT.get(row['state'], row['state'])}：{row['url']}（冒用：{site}；"
                       f"最近发现：{row['last_seen_at']}）")
    plain(console, f"共 {len(rows)} 条假冒网站线索")
    if args.json:
        write_json(rows, args.json)
    return EXIT_OK


def cmd_mark(args: argparse.Namespace) -> int:
    from govwatch.store.counterfeit_rows import STATES, set_state

    if args.state not in STATES:
        raise UsageError(f"状态须是 {'、'.join(STATES)} 之一，而不是 {args.state!r}")
    store = open_store(cli_settings(args))
    if not set_state(store, args.id, args.state):
        raise UsageError(f"没有编号为 {args.id} 的假冒网站线索")
    plain(console, f"假冒网站线索 {args.id}：{_STATE_TEXT[args.state]}")
    return EXIT_OK


def add_counterfeit_commands(sub: Any) -> None:
    """Register ``counterfeit check`` and ``counterfeit candidates`` on the CLI's subparsers."""
    p = sub.add_parser("counterfeit", help="find pages that impersonate registered sites (假冒政府网站)")
    inner = p.add_subparsers(dest="counterfeit_command", required=True, metavar="SUBCOMMAND")
    c = inner.add_parser("check", help="judge one page (URL or file) against the registry")
    c.add_argument("url_or_file")
    c.add_argument("--found-at", help="the URL where the page was seen (required for a file)")
    c.add_argument("--json", help="write the decision as JSON here ('-' for stdout)")
    add_crawl_flags(c)
    c.set_defaults(func=cmd_check)
    k = inner.add_parser("candidates", help="look-alike hosts of the registered sites (--probe: visit them)")
    k.add_argument("--org", help="only the sites of this org and the orgs below it")
    k.add_argument("--probe", action="store_true", help="resolve and fetch each candidate, store what impersonates")
    k.add_argument("--limit", type=int, help="candidates per site (default 200)")
    k.add_argument("--probe-concurrency", dest="concurrency_probe", type=int, default=4,
                   help="candidates probed at once (default 4)")
    k.add_argument("--json", help="write the result as JSON here ('-' for stdout)")
    add_crawl_flags(k)
    k.set_defaults(func=cmd_candidates)
    ls = inner.add_parser("list", help="the counterfeit pages on record")
    ls.add_argument("--site", help="only those impersonating the site with this homepage URL")
    ls.add_argument("--state", help="open, reported or closed")
    ls.add_argument("--json", help="write the rows as JSON here ('-' for stdout)")
    add_store_flags(ls)
    ls.set_defaults(func=cmd_list)
    mk = inner.add_parser("mark", help="set a counterfeit page's state (reported to the authorities, closed)")
    mk.add_argument("id", type=int)
    mk.add_argument("state", help="open, reported or closed")
    add_store_flags(mk)
    mk.set_defaults(func=cmd_mark)
