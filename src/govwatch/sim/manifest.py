"""Ground-truth manifest: what the simulated web contains and which defects it plants.

Built from the very generators that serve the pages (sites, columns, defect
plans), so the manifest and the pages cannot disagree. Every URL is absolute and
in ``govwatch.core.urls.normalize_url`` form.

``page_count`` counts the distinct HTML pages of a site that answer 200 (in the
end): homepage, list pages, articles, messages, guides and the planted decoy
pages (HEAD-405/403, 429, reset-once, 503-once, slow-ok); not dataproxy XML, not
JSON endpoints, not the soft-404 page. Column and homepage truth (newest dates,
undated and future items, what the homepage shows) comes from the same
``Column`` objects that date the items the pages show. Besides the documented
keys the top level has ``platform_base`` (the shared port of prefix sites, or null). The ``hostile``
site has no columns or identity (identifiers are null) and lists ``traps``.

``interaction`` (issue 6, :mod:`govwatch.sim.boards`): ``messages`` [{url, column, title, type,
category, limit_days, asked, replied, hidden, working_days, calendar_days, holidays, makeup_days,
expect}] (expect: unanswered | unanswered_recent | pending | late | ontime | fields_unpublished |
ok), ``guides`` [{url, title, expect, missing, vague, form_url, online_url}], ``surveys`` {column,
url, activities_in_year, items [{url, end, expect, result_date}]}, ``interviews`` {column, url,
activities_in_year}, ``statistics_published``; null for the hostile site. The guides' broken
form and online-entry links are also listed in ``broken_links``.

``planted`` and ``negatives`` (issue 5: content, personal data, identity, security signs) come from
the site's :class:`govwatch.sim.plants.SitePlants`:

- ``planted``: ``{"kind", "url", "match"}`` plus ``"needs"`` (``"baiduspider"`` or ``"tampered"``)
  when served only under that condition, and ``"values"`` (the full personal values shown) for
  ``privacy_leak``. ``url`` is the page or attachment the finding is about; ``match`` is a subset
  of the evidence the finding should carry (wording_error/typo: found, expected[, how];
  banned_content: term, where; privacy_leak: counts; footer_item_*: item, problem[,
  observed, expected]; meta_tag_missing: page_type, missing; meta_tag_invalid: tag, problem,
  observed, expected; dark_link: technique, target, text; tampering: signal, target[, text];
  cloaking: user_agent, title).
- ``negatives``: ``{"kind", "url", "what"}`` (plus ``"target"`` for dark-link negatives): no
  finding of ``kind`` may be reported there (for dark links: none for that target).

``access`` (issue 16, class 1, :mod:`govwatch.sim.access`): ``{"mode", "vendor", "status",
"incomplete"}`` — how the site answers (``open`` or one way of being unreadable), the WAF vendor
of its challenge page (null unless challenged), the status of the pages it withholds (null when
none are withheld or nothing answers) and the incomplete reason code an inspection must give
(null for ``open``); null for the hostile site.

``search`` (issue 23, :mod:`govwatch.sim.search`): ``{"mode", "url", "method", "field", "typo_tolerant",
"expect"}`` — the site's own search (mode tolerant | exact | none | error500 | error_page), its endpoint
(null for none) and the site-search kinds an inspection under national-2019 must report; null for the
hostile site.

``accessibility`` (issue 23, :mod:`govwatch.sim.accessibility`): ``{"entry", "entry_text", "templates",
"negatives"}`` — whether the homepage offers a 无障碍 entry; per template (``home``, ``list``: every list
page, ``article``: every article) the requirements planted ``[{requirement, rule, what}]`` and the
negatives ``[{requirement, selector, what}]`` (that element is never reported for that requirement);
null for the hostile site.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from govwatch.core.urls import normalize_url
from govwatch.sim.boards import interaction_broken_links, interaction_truth
from govwatch.sim.column_pages import Column
from govwatch.sim.defects import Planted
from govwatch.sim.hostile import TRAPS
from govwatch.sim.html_common import unverifiable_urls
from govwatch.sim.layout import Ref
from govwatch.sim.linkage import linkage_truth
from govwatch.sim.options import HOSTILE_ID
from govwatch.sim.plants import Negative, Plant
from govwatch.sim.portfolio import RESET_ALL, Portfolio
from govwatch.sim.site import HOME_WINDOW_DAYS, SiteGenerator

GENERATOR = "govwatch.sim"
VERSION = 1
_PAGINATION = {"trs": "createPageHTML", "jcms": "xml-dataproxy", "legacy": "links"}
_READ_VIA = {"trs": "script-pagination", "jcms": "xml-records", "legacy": "static"}


def norm(url: str) -> str:
    """Normal form of an absolute URL (raises if the simulator made a bad one)."""
    out = normalize_url(url)
    if out is None:
        raise ValueError(f"not a normalisable URL: {url!r}")
    return out


def build_manifest(portfolio: Portfolio) -> dict[str, Any]:
    """The manifest of a portfolio (a JSON-able dict)."""
    opts = portfolio.options
    sites: dict[str, Any] = {sid: site_entry(gen) for sid, gen in portfolio.sites.items()}
    if portfolio.hostile is not None:
        sites[HOSTILE_ID] = hostile_entry(portfolio)
    return {
        "generator": GENERATOR,
        "version": VERSION,
        "seed": opts.seed,
        "as_of": opts.day.isoformat(),
        "today": opts.today.isoformat() if opts.today else None,  # forged dates lie after max(as_of, today)
        "slow_seconds": opts.slow_seconds,
        "slow_ok_seconds": opts.slow_ok_seconds,
        "external_base": norm(portfolio.external_base),
        "refused_base": norm(portfolio.refused_base),
        "platform_base": norm(portfolio.platform_base) if portfolio.platform_base else None,
        "sites": sites,
    }


def _ref_url(gen: SiteGenerator, ref: Ref) -> str:
    if ref.kind == "home":
        return norm(gen.base_url)
    col = gen.column(ref.col)
    if ref.kind == "attachment":
        return norm(gen.url(gen.layout.attachment_path(col, ref.index, ref.n, ref.ext)))
    path = gen.layout.list_path(col, ref.index) if ref.kind == "list" else gen.layout.item_path(col, ref.index)
    return norm(gen.url(path))


def _plant(gen: SiteGenerator, plant: Plant) -> dict[str, Any]:
    entry: dict[str, Any] = {"kind": plant.kind, "url": _ref_url(gen, plant.ref), "match": dict(plant.match)}
    if "target" in entry["match"]:
        entry["match"]["target"] = norm(entry["match"]["target"])
    if plant.needs:
        entry["needs"] = plant.needs
    if plant.values:
        entry["values"] = list(plant.values)
    return entry


def _negative(gen: SiteGenerator, negative: Negative) -> dict[str, Any]:
    entry = {"kind": negative.kind, "url": _ref_url(gen, negative.ref), "what": negative.what}
    if negative.target:
        entry["target"] = norm(negative.target)
    return entry


def _link(gen: SiteGenerator, link: Planted) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "source": _ref_url(gen, link.source),
        "target": norm(gen.ctx.target(link) if link.target_base != "site" else gen.url(link.target)),
        "text": link.text,
        "resource": link.resource,
        "scope": link.scope,
    }
    if link.expect is not None:
        entry["expect"] = link.expect
    entry["fault"] = link.fault
    return entry


def site_entry(gen: SiteGenerator) -> dict[str, Any]:
    """Manifest entry of one family site."""
    ident = gen.identity
    columns = []
    groups: dict[int, list[str]] = {}
    for col, start, end in gen.iter_groups():
        groups.setdefault(col.no, []).append(norm(gen.group_url(col, start, end)))
    future_dates = []
    for col in gen.columns:
        pages = [norm(gen.url(gen.layout.list_path(col, k))) for k in range(col.list_pages)]
        newest = col.newest_date()
        future = _future_items(gen, col)
        future_dates += [{"column": col.id, **f} for f in future]
        columns.append({
            "id": col.id,
            "name": col.name,
            "type": col.type,
            "type_source": col.profile.type_source,
            "url": pages[0],
            "list_pages": pages + groups.get(col.no, []),
            "pagination": "none" if col.blank or col.js else _PAGINATION[gen.spec.family],
            "read_via": _read_via(gen, col),
            "endpoint": norm(gen.url(gen.endpoint_path(col))) if col.js else None,
            "items": col.items,
            "undated": col.undated_count,
            "newest_date": newest.isoformat() if newest else None,
            "future_items": future,
            "later_items": [{"url": norm(gen.url(gen.layout.item_path(col, i, col.item_when(i)))),
                             "date": col.item_when(i).date().isoformat()} for i in col.later_indexes],
            "blank": col.blank,
            "on_homepage": col.on_homepage,
            "discovered_by": _discovered_by(col),
            "parent": f"c{col.parent}" if col.parent else None,
            "channel": _channel_url(gen, col),
        })
    shown, in_window = gen.homepage_truth()
    links = gen.plan.links
    return {
        "family": gen.spec.family,
        "placement": gen.spec.placement,
        "base_url": norm(gen.base_url),
        "homepage": norm(gen.base_url),
        "name": ident.name,
        "site_code": ident.site_code,
        "icp": ident.icp,
        "police_record": ident.police_record,
        "sponsor": ident.sponsor,
        "encoding": gen.encoding,
        "page_count": gen.page_count(),
        "columns": columns,
        "homepage_window": {
            "items_in_window": len(in_window),
            "window_days": HOME_WINDOW_DAYS,
            "items": [{"url": norm(u), "date": d.isoformat()} for u, d in in_window],
            "shown": [{"url": norm(u), "date": d.isoformat()} for u, d in shown],
        },
        "future_dates": future_dates,
        "broken_links": [_link(gen, p) for p in links if not p.is_decoy] + interaction_broken_links(gen, norm),
        "decoys": [_link(gen, p) for p in links if p.is_decoy],
        "unverifiable_external": [norm(u) for u in unverifiable_urls(gen.ctx)],
        "traps": [],
        "planted": [_plant(gen, p) for p in gen.plants.planted],
        "negatives": [_negative(gen, n) for n in gen.plants.negatives],
        "interaction": interaction_truth(gen, norm),
        "linkage": linkage_truth(gen, norm),
        "variation": variation_truth(gen),
        "access": gen.access.truth(),
        "search": gen.search.truth(gen.base_url),
        "accessibility": gen.accessibility.truth(),
    }


def variation_truth(gen: SiteGenerator) -> dict[str, Any]:
    """The site's construction variants (``govwatch.sim.variation``) with the URLs they add."""
    truth = gen.variants.truth()
    for entry, (_channel, path) in zip(truth["channels"], gen.ctx.channel_paths, strict=True):
        entry["url"] = norm(gen.url(path))
    truth["sitemap"] = norm(gen.url(gen.ctx.sitemap_path)) if gen.ctx.sitemap_path else None
    if truth["script"] is not None:
        truth["script"]["src"] = norm(gen.url(truth["script"]["src"]))
    return truth


def _channel_url(gen: SiteGenerator, col: Column) -> str | None:
    """The channel page a column sits under (construction variation), or None."""
    channel = gen.variants.channel_of(col.no)
    if channel is None:
        return None
    return norm(gen.url(next(path for c, path in gen.ctx.channel_paths if c == channel)))


def _read_via(gen: SiteGenerator, col: Column) -> str:
    """How a column's items can be read: static | script-pagination | xml-records | endpoint."""
    if col.js:
        return "endpoint"
    if col.blank:
        return "static"
    return _READ_VIA[gen.spec.family]


def _discovered_by(col: Column) -> str:
    """The first of navigation, homepage block, parent's list page (breadcrumb) that links the column;
    under construction variation also ``channel`` (only a channel page links it) or ``sitemap``."""
    if col.profile.via:
        return col.profile.via
    if col.profile.nav:
        return "nav"
    if col.on_homepage:
        return "homepage"
    assert col.parent is not None, col.name
    return "breadcrumb"


def _future_items(gen: SiteGenerator, col: Column) -> list[dict[str, str]]:
    """Items of ``col`` dated after as_of (the planted forged date)."""
    index = col.future_index
    if index is None:
        return []
    when = col.item_when(index)
    return [{"url": norm(gen.url(gen.layout.item_path(col, index, when))), "date": when.date().isoformat()}]


def hostile_entry(portfolio: Portfolio) -> dict[str, Any]:
    """Manifest entry of the hostile site (traps only)."""
    base = norm(portfolio.site_url(HOSTILE_ID))
    traps = [{"kind": kind, "url": norm(base + path)} for kind, path in TRAPS]
    traps.append({"kind": "reset_all", "url": norm(portfolio.origin(RESET_ALL) + "/")})
    return {
        "family": "trs", "placement": "host", "base_url": base, "homepage": base,
        "name": "爬虫陷阱测试站", "site_code": None, "icp": None, "police_record": None, "sponsor": None,
        "encoding": "utf-8", "page_count": 1, "columns": [],
        "homepage_window": {"items_in_window": 0, "window_days": HOME_WINDOW_DAYS, "items": [], "shown": []},
        "future_dates": [], "broken_links": [], "decoys": [],
        "unverifiable_external": [], "traps": traps, "planted": [], "negatives": [], "interaction": None,
        "linkage": [], "variation": None, "access": None, "search": None, "accessibility": None,
    }


def write_manifest(manifest: dict[str, Any], path: str | Path) -> Path:
    """Write a manifest as pretty JSON (UTF-8) and return the path."""
    target = Path(path)
    target.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target
