"""The YAML case files of every check family and the in-memory runs they describe.

A case file (``tests/checks/cases/<family>/*.yaml``) names one registered check (``check``)
and the inspection date (``as_of``); it may set the rule table (``rules``, else the default
table), the site (``site``, else :data:`SITE`) and page templates (``defaults``: ``head``,
``head_<page type>``, ``footer``); ``anchors`` holds YAML anchors only. Each case overrides
any of these and describes one run (every URL below is resolved against the site):

- pages, extracted by :func:`govwatch.extract.extract_page` into the facts the store keeps, their
  bodies stored and their links recorded as the crawl stores them (off-site targets ``external``):
  ``html`` (+ ``encoding``) — one article page (:data:`ARTICLE`) from a fragment;
  ``pages`` — ``[{url, html | title/head/body/footer (templated), type, encoding, content_type, fetch}]``,
  ``type`` overriding the extracted page type and ``fetch`` adding to the fetch row;
  ``columns`` (+ ``home_body``) — a site: a homepage whose navigation links every column
  ``{name, slug, items: [{title, date, body, url}], list_body}``, a list page per column and a
  detail page per item with a ``body``;
- ``attachments`` — real files (:mod:`tests.checks.attachment_files`), fetched and stored, linked
  from the ``html`` page (``link_text``) or from ``linked_from``;
- ``resources`` — fetch rows of other URLs (link targets, forms, online systems): ``{url, kind,
  status, error, error_detail, ...}``, role ``resource`` unless given;
- ``probes`` — availability probe series ``{url, target_kind, per_day, days, failed, transient, end}``:
  ``per_day`` visits a day on ``days`` days ending at ``end`` (else ``as_of``), the first
  ``failed`` of them failed (timeouts; the re-probe failed too, except for the last ``transient``
  of them, whose re-probe opened the page);
- ``run_facts`` — what the post-crawl site measurements found, by name (``transport``, ``ipv6``,
  ``cloaking``, ...), merged over the file's ``run_facts``;
- ``spider_views`` — the ``cloaking`` run fact from what the spider and a visitor were shown of
  each sampled page, ``[{url, type, spider: VIEW, normal: VIEW}]`` with ``VIEW = {status, title,
  lines, links: {url: text}, final_url, not_followed}``, compared by the cloaking probe's own
  :func:`govwatch.crawl.sitefacts.bot_views.compare`;
- ``baseline`` — the site's previous run, described with the same keys and its own ``as_of``;
- ``site_code`` / ``site_config`` (a site config mapping), ``registered_site`` (the registry's record);
- ``fetched_at`` — when the crawl fetched every URL (ISO time; without it a run has no fetch times).

What the check must report: ``expect`` — exactly these findings, each ``{kind, url, target
(literal, null for none) | target_url (a URL), severity, code, evidence (compared as a subset),
examples_max}``; or ``not_assessed`` — part of the reason the check gives for not judging.
``xfail`` (a reason) marks a case that shows a known defect of the check.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import yaml

from govwatch.core.clock import SHANGHAI
from govwatch.core.model import Finding
from govwatch.core.settings import SecuritySettings
from govwatch.core.siteconfig import parse_site_config
from govwatch.core.urls import Scope
from govwatch.crawl.sitefacts.bot_views import compare
from govwatch.extract import extract_page
from govwatch.extract.jsonout import facts_to_json
from govwatch.rules import load_ruleset
from govwatch.rundata import RunData
from tests.checks.attachment_files import build_attachment

CASES = Path(__file__).parent / "cases"
SITE = "http://www.example.gov.cn/"
ARTICLE = "art/2026/6/1/art_1.html"  # the page of a case's ``html`` fragment
SITE_FOOTER = "<p>主办单位：示例市人民政府办公室 联系电话：0311-1234567</p>"  # templated pages without a footer default

FILE_KEYS = {"check", "as_of", "rules", "site", "defaults", "run_facts", "anchors", "cases"}
RUN_KEYS = {"as_of", "rules", "site", "defaults", "html", "encoding", "pages", "columns", "home_body", "attachments",
            "resources", "probes", "run_facts", "spider_views", "baseline", "site_code", "site_config", "registered_site",
            "fetched_at"}
CASE_KEYS = RUN_KEYS | {"name", "check", "expect", "not_assessed", "xfail"}
PAGE_KEYS = {"url", "html", "title", "head", "body", "footer", "type", "encoding", "content_type", "fetch"}
COLUMN_KEYS = {"name", "slug", "items", "list_body"}
ITEM_KEYS = {"title", "date", "body", "url"}
ATTACHMENT_KEYS = {"url", "rows", "paragraphs", "table", "lines", "raw", "raw_hex", "encoding", "link_text", "linked_from"}
PROBE_KEYS = {"url", "target_kind", "per_day", "days", "failed", "transient", "end", "timeout_s"}
VIEWS_KEYS = {"url", "type", "spider", "normal"}
VIEW_KEYS = {"status", "title", "lines", "links", "final_url", "not_followed", "error"}
FETCH_KEYS = {"url", "role", "kind", "depth", "method", "status", "error", "error_detail", "final_url", "content_type",
              "size", "elapsed_ms", "attempts", "soft_404", "body_hash", "fetched_at"}  # the store's fetch row (stored_run)
EXPECT_KEYS = {"kind", "url", "target", "target_url", "severity", "code", "evidence", "examples_max"}


def _keys(where: str, given: dict[str, Any], allowed: set[str]) -> None:
    """A misspelt key would silently weaken a case: refuse it."""
    unknown = set(given) - allowed
    assert not unknown, f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(allowed)})"


def _defaults(where: str, defaults: dict[str, Any]) -> None:
    _keys(where, defaults, {"head", "footer"} | {key for key in defaults if key.startswith("head_")})


def validate(path: Path, spec: dict[str, Any]) -> None:
    """Every key of a case file is one the runner reads."""
    _keys(str(path), spec, FILE_KEYS)
    _defaults(str(path), spec.get("defaults") or {})
    for case in spec["cases"]:
        where = f"{path.name}: {case.get('name')}"
        _keys(where, case, CASE_KEYS)
        assert case.get("name") and ("expect" in case) != ("not_assessed" in case), \
            f"{where}: a case has a name and either expect or not_assessed"
        _validate_run(where, case)
        for exp in case.get("expect") or []:
            _keys(where, exp, EXPECT_KEYS)
            assert not ("target" in exp and "target_url" in exp), f"{where}: target or target_url, not both"


def _validate_run(where: str, run: dict[str, Any]) -> None:
    _defaults(where, run.get("defaults") or {})
    for page in run.get("pages") or []:
        _keys(where, page, PAGE_KEYS)
        _keys(where, page.get("fetch") or {}, FETCH_KEYS - {"url"})
    for resource in run.get("resources") or []:
        _keys(where, resource, FETCH_KEYS)
    for col in run.get("columns") or []:
        _keys(where, col, COLUMN_KEYS)
        for item in col.get("items") or []:
            _keys(where, item, ITEM_KEYS)
    for spec in run.get("attachments") or []:
        _keys(where, spec, ATTACHMENT_KEYS)
    for series in run.get("probes") or []:
        _keys(where, series, PROBE_KEYS)
    for views in run.get("spider_views") or []:
        _keys(where, views, VIEWS_KEYS)
        _keys(where, views["spider"], VIEW_KEYS)
        _keys(where, views["normal"], VIEW_KEYS)
    if "baseline" in run:
        _keys(f"{where} (baseline)", run["baseline"], RUN_KEYS - {"baseline"})
        _validate_run(f"{where} (baseline)", run["baseline"])


def case_files() -> list[Path]:
    """Every case file of every family, in a stable order."""
    return sorted(CASES.glob("*/*.yaml"))


def load(path: Path) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    validate(path, spec)
    return spec


def case_params() -> list[Any]:
    """One pytest param ``(spec, case)`` per case of every case file, ``<family>/<file>: <name>``."""
    params = []
    for path in case_files():
        spec = load(path)
        for case in spec["cases"]:
            marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if "xfail" in case else []
            params.append(pytest.param(spec, case, id=f"{path.parent.name}/{path.stem}: {case['name']}",
                                       marks=marks))
    return params


def setting(spec: dict[str, Any], case: dict[str, Any], key: str, default: Any = None) -> Any:
    """A case's value of ``key``, else its file's, else ``default``."""
    return case.get(key, spec.get(key, default))


# -- the run ------------------------------------------------------------------------------


def build_run(spec: dict[str, Any], case: dict[str, Any]) -> RunData:
    """The in-memory run a case describes (``spec``: its file's settings)."""
    site = setting(spec, case, "site", SITE)
    as_of = date.fromisoformat(str(setting(spec, case, "as_of")))
    crawl = _Crawl(site)
    crawl.add_pages(_page_specs(spec, case, site))
    for attachment in case.get("attachments") or []:
        crawl.add_attachment(attachment, urljoin(site, attachment.get("linked_from", ARTICLE)))
    for resource in case.get("resources") or []:
        crawl.fetches[urljoin(site, resource["url"])] = {
            "role": "resource", "kind": "attachment", "status": None, "error": None, "content_type": "",
            **{k: v for k, v in resource.items() if k != "url"}}
    if case.get("fetched_at"):  # when the crawl fetched every URL (a page's own ``fetch`` wins)
        for row in crawl.fetches.values():
            row.setdefault("fetched_at", str(case["fetched_at"]))
    config = dict(case.get("site_config") or {})
    if case.get("site_code"):
        config["site"] = {"name": "测试", **config.get("site", {}), "site_code": str(case["site_code"])}
    rules = setting(spec, case, "rules")
    facts = {**(spec.get("run_facts") or {}), **(case.get("run_facts") or {})}
    if "spider_views" in case:
        facts["cloaking"] = cloaking_fact(case["spider_views"], site)
    baseline = None
    if "baseline" in case:  # the same site, with the case's page templates
        baseline = build_run(spec, {"site": site, "defaults": case.get("defaults") or {}, **case["baseline"]})
    return RunData(site_url=site, scope=Scope.for_site(site), as_of=as_of, fetches=crawl.fetches, pages=crawl.pages,
                   links=crawl.links, bodies=crawl.bodies, rules=load_ruleset(rules) if rules else None,
                   site_config=parse_site_config(config, "case.yaml"),
                   probes=probe_rows(case.get("probes") or [], as_of, site),
                   facts=facts,
                   baseline=baseline, registered_site=case.get("registered_site"))


class _Crawl:
    """Fetch rows, page facts, stored bodies and link rows, as the crawl would store them."""

    def __init__(self, site: str) -> None:
        self.scope = Scope.for_site(site)
        self.site = site
        self.fetches: dict[str, dict[str, Any]] = {}
        self.pages: dict[str, dict[str, Any]] = {}
        self.bodies: dict[str, bytes] = {}
        self.links: list[tuple[str, str, str, str, str]] = []

    def add_pages(self, pages: dict[str, dict[str, Any]]) -> None:
        for url, page in pages.items():
            encoding = page.get("encoding", "utf-8")
            content_type = page.get("content_type", f"text/html; charset={encoding}")
            body = page["html"].encode(encoding)
            facts = facts_to_json(extract_page(body, url, content_type=content_type, site_root=self.site))
            if "type" in page:
                facts["page_type"] = page["type"]
            self.pages[url] = facts
            self.bodies[url] = body
            self.fetches[url] = {"role": "page", "kind": "page", "status": 200, "error": None,
                                 "content_type": content_type, "soft_404": facts["soft_404"], **page.get("fetch", {})}
            self._stored_links(url, facts["links"])

    def _stored_links(self, source: str, links: list[dict[str, Any]]) -> None:
        """One row per (target, kind), off-site targets ``external`` (as ``crawl.crawler`` stores them);
        the facts keep their links too (``RunData.links_from`` reads tags from them)."""
        seen: set[tuple[str, str]] = set()
        for link in links:
            kind = link["kind"] if self.scope.contains(link["url"]) else "external"
            if (link["url"], kind) not in seen:
                seen.add((link["url"], kind))
                self.links.append((source, link["url"], kind, link["text"], link["via"]))

    def add_attachment(self, spec: dict[str, Any], linked_from: str) -> None:
        url = urljoin(self.site, spec["url"])
        self.fetches[url] = {"role": "resource", "kind": "attachment", "status": 200, "error": None,
                             "content_type": ""}
        self.bodies[url] = build_attachment(spec)
        self.links.append((linked_from, url, "attachment", spec.get("link_text", ""), "html"))


def _page_specs(spec: dict[str, Any], case: dict[str, Any], site: str) -> dict[str, dict[str, Any]]:
    """URL -> page spec with its ``html``, in crawl order: the column site (homepage first), the
    ``html`` page, then ``pages`` (a page given again replaces the built one)."""
    defaults = {**(spec.get("defaults") or {}), **(case.get("defaults") or {})}
    pages: dict[str, dict[str, Any]] = {}
    if "columns" in case or "home_body" in case:
        pages.update(_column_site(case, site, defaults))
    if "html" in case:
        pages[urljoin(site, ARTICLE)] = {"html": case["html"], "type": "article",
                                         "encoding": case.get("encoding", "utf-8")}
    for page in case.get("pages") or []:
        pages[urljoin(site, page.get("url", ""))] = {**page, "html": page.get("html") or _templated(page, defaults)}
    return pages


def _templated(page: dict[str, Any], defaults: dict[str, Any]) -> str:
    """A page from its title, head, body and footer (heads and footer default to the file's)."""
    head = page.get("head", defaults.get(f"head_{page.get('type', 'home')}", defaults.get("head", "")))
    footer = page.get("footer", defaults.get("footer", SITE_FOOTER))
    return (f'<html><head><meta charset="utf-8"><title>{page.get("title", "页面")}</title>{head}</head><body>'
            f'<div class="main">{page.get("body", "")}</div><div class="footer">{footer}</div></body></html>')


def _column_site(case: dict[str, Any], site: str, defaults: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The homepage (navigation to every column, then ``home_body``), each column's list page
    (``<ul class="list">`` rows of title and date, or the column's ``list_body``) and a detail
    page per item with a ``body``."""
    nav = "".join(f'<li><a href="/{col["slug"]}/index.html">{col["name"]}</a></li>' for col in case.get("columns", []))
    home = {"title": "示例市人民政府", "head": "",
            "body": f'<div class="nav"><ul id="menu"><li><a href="/">首页</a></li>{nav}</ul></div>'
                    f'{case.get("home_body", "")}'}
    pages = {site: {"html": _templated(home, defaults)}}
    for col in case.get("columns", []):
        slug = col["slug"]
        rows = []
        for n, item in enumerate(col.get("items", []), 1):
            url = urljoin(site, item.get("url", f"{slug}/{n}.html"))
            rows.append(f'<li><a href="{url}">{item["title"]}</a><span>{item.get("date", "")}</span></li>')
            if "body" in item:
                pages[url] = {"html": _templated({"title": item["title"], "head": "", "body": item["body"]}, defaults)}
        listing = col.get("list_body") or '<ul class="list">' + "".join(rows) + "</ul>"
        pages[urljoin(site, f"{slug}/index.html")] = {"html": _templated(
            {"title": col["name"], "head": f'<meta name="ColumnName" content="{col["name"]}">',
             "body": f"<h2>{col['name']}</h2>{listing}"}, defaults)}
    return pages


def probe_rows(series: list[dict[str, Any]], as_of: date, site: str) -> list[dict[str, Any]]:
    """Availability probe rows (the ``probes`` table's columns) of a case's probe series."""
    rows: list[dict[str, Any]] = []
    for s in series:
        url, kind = urljoin(site, s.get("url", "")), s.get("target_kind", "homepage")
        per_day, days, failed = int(s.get("per_day", 20)), int(s.get("days", 7)), int(s.get("failed", 0))
        sustained = failed - int(s.get("transient", 0))
        end = date.fromisoformat(str(s["end"])) if "end" in s else as_of
        timeout = float(s.get("timeout_s", 15.0))
        done = 0
        for d in range(days):
            day = end - timedelta(days=days - 1 - d)
            for i in range(per_day):
                at = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI) + timedelta(minutes=1440 * i // per_day)
                bad = done < failed
                confirm = {"at": at.isoformat(), "ok": False, "status": None, "error": "timeout",
                           "total_ms": timeout * 1000}
                if done >= sustained:  # a transient failure: the re-probe opened the page
                    confirm |= {"ok": True, "status": 200, "error": None, "total_ms": 30.0}
                done += 1
                rows.append({"target_kind": kind, "url": url, "at": at.isoformat(timespec="milliseconds"),
                             "ok": not bad, "status": None if bad else 200, "error": "timeout" if bad else None,
                             "error_detail": None, "dns_ms": 1.0, "connect_ms": 1.0, "tls_ms": None,
                             "first_byte_ms": None if bad else 20.0, "total_ms": timeout * 1000 if bad else 30.0,
                             "bytes": 0 if bad else 1000, "timeout_s": timeout,
                             "confirmed_by": confirm if bad else None})
    return rows


def cloaking_fact(views: list[dict[str, Any]], site: str) -> dict[str, Any]:
    """The ``cloaking`` run fact of a case's ``spider_views``, as the cloaking probe stores it."""
    security = SecuritySettings()
    pages = []
    for page in views:
        url = urljoin(site, page.get("url", ""))
        pages.append(compare(url, page.get("type", "home"), _view(url, page["spider"]), _view(url, page["normal"])))
    return {"spider_user_agent": security.cloaking_user_agent, "normal_user_agent": "govwatch", "sample": len(pages),
            "pages": pages}


def _view(url: str, spec: dict[str, Any]) -> dict[str, Any]:
    """What one fetch of ``url`` showed (the probe's view: status, title, text lines, off-site links)."""
    return {"status": spec.get("status", 200), "final_url": urljoin(url, spec.get("final_url", url)),
            "error": spec.get("error"), "redirects": [], "not_followed": spec.get("not_followed"),
            "title": spec.get("title", ""), "lines": spec.get("lines", []), "offsite": spec.get("links", {})}


# -- the findings -------------------------------------------------------------------------


def subset(expected: Any, actual: Any) -> bool:
    """Whether ``expected`` (nested dicts) is contained in ``actual``; other values compare equal."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


def matches(exp: dict[str, Any], finding: Finding, site: str) -> bool:
    """Whether ``finding`` is the one an ``expect`` entry describes."""
    if exp["kind"] != finding.kind:
        return False
    if "url" in exp and urljoin(site, exp["url"]) != finding.url:
        return False
    if "target" in exp and exp["target"] != finding.target:
        return False
    if "target_url" in exp and (urljoin(site, exp["target_url"]) if exp["target_url"] else None) != finding.target:
        return False
    for key in ("severity", "code"):
        if key in exp and exp[key] != getattr(finding, key):
            return False
    if "examples_max" in exp and len(finding.evidence.get("examples", [])) > exp["examples_max"]:
        return False
    return subset(exp.get("evidence", {}), finding.evidence)


def unmatched(expected: list[dict[str, Any]], findings: list[Finding], site: str) -> tuple[list[Any], list[Finding]]:
    """(expected entries no finding matched, findings no entry matched), pairing each entry with
    the first remaining finding it matches."""
    remaining = list(findings)
    missing = []
    for exp in expected:
        hit = next((f for f in remaining if matches(exp, f, site)), None)
        if hit is None:
            missing.append(exp)
        else:
            remaining.remove(hit)
    return missing, remaining
