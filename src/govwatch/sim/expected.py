"""The findings a manifest says an inspection must report, as comparable keys.

Used by the variation tests (tests/e2e/test_variation_sim.py) and bench/variation_quality.py:
a finding matches the truth by kind and URL (broken links by target), plus what tells two
findings of one kind at one URL apart (the footer item and problem, a dark link's target).
Reads only the manifest and the inspection document (plain dicts); imports no production code.
"""

from __future__ import annotations

from typing import Any

Key = tuple[str, str, str]  # (kind, url, detail)
MESSAGE_KINDS: dict[str, str] = {"unanswered": "message_unanswered", "unanswered_recent": "message_unanswered",
                                 "late": "message_late_reply", "fields_unpublished": "message_fields_unpublished"}
# Kinds whose every instance the manifest lists, so precision is measurable for them.
COMPLETE_KINDS: frozenset[str] = frozenset({
    "wording_error", "typo", "banned_content", "privacy_leak", "footer_item_missing", "footer_item_invalid",
    "meta_tag_missing", "dark_link", "message_unanswered", "message_late_reply", "message_fields_unpublished",
    "interpretation_unlinked", "blank_column", "future_date", "broken_link"})


def detail_of(kind: str, evidence: dict[str, Any]) -> str:
    """What tells two findings of one kind at one URL apart."""
    if kind.startswith("footer_item_"):
        return f"{evidence.get('item')}:{evidence.get('problem')}"
    if kind in ("dark_link", "tampering"):
        return str(evidence.get("target") or "")
    return ""


def expected_keys(site: dict[str, Any]) -> set[Key]:
    """Every finding an ordinary crawl of the manifest's site must report (planted ones without
    ``needs``, interaction, linkage, blank columns, future dates, confirmed broken links)."""
    keys: set[Key] = set()
    for plant in site["planted"]:
        if "needs" not in plant:
            keys.add((plant["kind"], plant["url"], detail_of(plant["kind"], plant["match"])))
    for message in (site["interaction"] or {}).get("messages", []):
        kind = MESSAGE_KINDS.get(message["expect"])
        if kind:
            keys.add((kind, message["url"], ""))
    keys |= {("interpretation_unlinked", link["url"], "") for link in site["linkage"]}
    keys |= {("blank_column", col["url"], "") for col in site["columns"] if col["blank"]}
    keys |= {("future_date", future["url"], "") for future in site["future_dates"]}
    keys |= {("broken_link", link["target"], "") for link in site["broken_links"] if link["expect"] == "confirmed"}
    return keys


def planted_kinds(site: dict[str, Any]) -> frozenset[str]:
    """The kinds to compare for a site: ``COMPLETE_KINDS`` and every kind the manifest plants."""
    return COMPLETE_KINDS | {key[0] for key in expected_keys(site)}


def suspected_links(site: dict[str, Any]) -> set[Key]:
    """Broken links the manifest allows but does not require (``expect`` suspected)."""
    return {("broken_link", link["target"], "") for link in site["broken_links"] if link["expect"] != "confirmed"}


def found_keys(document: dict[str, Any], kinds: frozenset[str] | set[str]) -> set[Key]:
    """The inspection document's findings of ``kinds`` as keys."""
    out: set[Key] = set()
    for f in document["findings"]:
        if f["kind"] not in kinds:
            continue
        if f["kind"] == "broken_link":
            out.add((f["kind"], f["target"], ""))
        elif f["kind"] in ("dark_link", "tampering"):
            out.add((f["kind"], f["url"], str(f.get("target") or "")))
        else:
            out.add((f["kind"], f["url"], detail_of(f["kind"], f["evidence"])))
    return out
