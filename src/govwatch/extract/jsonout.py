"""The Extract JSON contract (DESIGN.md, ``govwatch extract``) from :class:`PageFacts`."""

from __future__ import annotations

import dataclasses
from typing import Any

from govwatch.core.model import ListItem, PageFacts

__all__ = ["facts_to_json"]


def _item(it: ListItem) -> dict[str, Any]:
    return {"title": it.title, "url": it.url, "date": it.date.isoformat() if it.date else None,
            "date_text": it.date_text, "date_source": it.date_source}


def _security_json(facts: PageFacts) -> dict[str, Any]:
    """Hidden off-host links and off-host embeds, stored only when the page has any."""
    out: dict[str, Any] = {}
    if facts.hidden_links:
        out["hidden_links"] = [dataclasses.asdict(h) for h in facts.hidden_links]
    if facts.embeds:
        out["embeds"] = [dataclasses.asdict(e) for e in facts.embeds]
    return out


def facts_to_json(facts: PageFacts) -> dict[str, Any]:
    """A JSON-ready dict: page_type, title, publish_date, meta, items, lists, pagination, footer, links,
    nav and breadcrumb (``[[text, url], ...]`` pairs, url null for an unlinked crumb), endpoints,
    needs_render."""
    f = facts.footer
    return {
        "url": facts.url,
        "page_type": facts.page_type,
        "title": facts.title,
        "publish_date": facts.publish_date.isoformat() if facts.publish_date else None,
        "meta": dict(facts.meta),
        "meta_variants": dict(facts.meta_variants),
        "items": [_item(it) for b in facts.lists for it in b.items],
        "lists": [{"heading": b.heading, "more_url": b.more_url, "source": b.source,
                   "items": [_item(it) for it in b.items]} for b in facts.lists],
        "pagination": {"kind": facts.pagination.kind, "page_urls": list(facts.pagination.page_urls),
                       "total_pages": facts.pagination.total_pages,
                       "total_records": facts.pagination.total_records},
        "footer": {"site_code": f.site_code, "icp": f.icp, "police_record": f.police_record,
                   "sponsor": f.sponsor, "contact": f.contact, "conac": f.conac,
                   "jiucuo_site_code": f.jiucuo_site_code, "jiucuo_govcn": f.jiucuo_govcn},
        "links": [{"url": ln.url, "text": ln.text, "kind": ln.kind, "tag": ln.tag, "via": ln.via}
                  for ln in facts.links],
        "nav": [[text, url] for text, url in facts.nav],
        "breadcrumb": [[text, url] for text, url in facts.breadcrumb],
        "endpoints": list(facts.endpoints),
        "needs_render": facts.needs_render,
        "footer_by_script": facts.footer_by_script,
        "soft_404": facts.soft_404,
        "encoding": facts.encoding,
        "text_excerpt": facts.text_excerpt,
        "warnings": list(facts.warnings),
        **_security_json(facts),
    }
