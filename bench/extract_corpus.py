"""Accuracy of govwatch.extract on the real-page corpus (hand-checked truth).

Usage: python bench/extract_corpus.py [--corpus PATH] [--quiet]

Compares, per page, each truth meta field, the article title and visible publish date,
list items and dates (where truth has ``lists``), the footer identifiers (site_code, icp,
police_record, sponsor, conac present, jiucuo site code) and, for information, the page
type. Prints per-field accuracy, overall figures, the date-and-list summary (list items whose
date matches the truth / items in the truth, blocks found and blocks with the right item
count) and every mismatch.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from govwatch.core.model import PageFacts  # noqa: E402
from govwatch.extract import extract_page  # noqa: E402
from real_corpus import DEFAULT_CORPUS, CorpusError, Tally, jiucuo_truth_codes, load_corpus  # noqa: E402


def _norm(v: object) -> str:
    return " ".join(str(v).split()) if v is not None else ""


def _nospace(v: str | None) -> str | None:
    return v.replace(" ", "") if v else v


def compare(file: str, truth: dict, page_type: str, facts: PageFacts, t: Tally) -> None:
    for key, value in (truth.get("meta") or {}).items():
        got = facts.meta.get(key)
        t.check(file, f"meta.{key}", value, got, _norm(got) == _norm(value))
    variants = truth.get("meta_name_case_variants") or {}
    for key, written in variants.items():
        got = facts.meta_variants.get(key)
        t.check(file, "meta_variant", f"{key}={written}", got, got == written)
    art = truth.get("article")
    if art:
        t.check(file, "article.title", art.get("title"), facts.title, _norm(facts.title) == _norm(art.get("title")))
        got = facts.publish_date.isoformat() if facts.publish_date else None
        t.check(file, "article.publish_date", art.get("publish_date"), got, got == art.get("publish_date"))
    t.check(file, "page_type(info)", page_type, facts.page_type, facts.page_type == page_type)
    lists = truth.get("lists")
    if lists:
        _compare_lists(file, lists, facts, t)
    f = truth["footer"]
    foot = facts.footer
    sc = f.get("site_id_code") or []
    t.check(file, "footer.site_code", sc or None, foot.site_code, foot.site_code in sc if sc else foot.site_code is None)
    icp = [_nospace(x) for x in (f.get("icp") or [])]
    t.check(file, "footer.icp", icp or None, foot.icp, _nospace(foot.icp) in icp if icp else foot.icp is None)
    pol = [_nospace(x) for x in (f.get("public_security_beian") or [])]
    t.check(file, "footer.police_record", pol or None, foot.police_record,
            _nospace(foot.police_record) in pol if pol else foot.police_record is None)
    hu = f.get("host_unit") or []
    t.check(file, "footer.sponsor", hu or None, foot.sponsor, foot.sponsor in hu if hu else foot.sponsor is None)
    present = bool(f["conac_identity"]["present"])
    t.check(file, "footer.conac", present, foot.conac, foot.conac == present)
    best = f.get("contact_best_effort") or {}
    contacts = (best.get("phones") or []) + (best.get("emails") or [])
    t.check(file, "footer.contact(info)", contacts or None, foot.contact,
            foot.contact in contacts if contacts else foot.contact is None)
    codes = jiucuo_truth_codes(f["jiucuo_entry"])
    t.check(file, "footer.jiucuo_site_code", codes or None, foot.jiucuo_site_code,
            foot.jiucuo_site_code in codes if codes else foot.jiucuo_site_code is None)


def _compare_lists(file: str, lists: dict, facts: PageFacts, t: Tally) -> None:
    blocks = facts.lists
    wanted = []
    if "primary_list" in lists:
        wanted.append((lists["primary_list"], blocks[0] if blocks else None))
    for tb in lists.get("lists") or []:
        match = next((b for b in blocks if b.heading == tb["name"]), None)
        wanted.append((tb, match))
    for tb, block in wanted:
        name = tb.get("name")
        if block is None:
            t.check(file, "lists.block_found", name, None, False)
            continue
        t.check(file, "lists.block_found", name, block.heading, True)
        t.check(file, "lists.items_count", f"{name}: {tb['items_count']}", len(block.items),
                len(block.items) == tb["items_count"])
        got_dates = [i.date.isoformat() if i.date else None for i in block.items]
        exp_dates = tb.get("dates") or []
        for k, exp in enumerate(exp_dates):
            got = got_dates[k] if k < len(got_dates) else "(missing)"
            t.check(file, "lists.item_date", f"{name}[{k}] {exp}", got, got == exp)
        for k, exp in enumerate(tb.get("titles") or []):
            got = block.items[k].title if k < len(block.items) else "(missing)"
            t.check(file, "lists.item_title", f"{name}[{k}] {exp}", got, _norm(got) == _norm(exp))


def _pct(ok: int, total: int) -> str:
    return f"{100 * ok / total:.1f}%" if total else "n/a"


def _list_summary(t: Tally) -> None:
    """The figure for list freshness: list items whose date matches the truth, and list blocks."""
    dated, items = t.ok["lists.item_date"], t.total["lists.item_date"]
    found, blocks = t.ok["lists.block_found"], t.total["lists.block_found"]
    counted = t.ok["lists.items_count"]
    lists_ok = sum(t.ok[f] for f in t.total if f.startswith("lists."))
    lists_total = sum(t.total[f] for f in t.total if f.startswith("lists."))
    print("\ndate and list extraction")
    print(f"  list items dated as in the truth: {dated}/{items} ({_pct(dated, items)})")
    print(f"  list blocks found: {found}/{blocks}; blocks with the truth's item count: {counted}/{blocks}")
    print(f"  all list checks (blocks, counts, item dates, titles): {lists_ok}/{lists_total} ({_pct(lists_ok, lists_total)})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--quiet", action="store_true", help="do not list mismatches")
    args = ap.parse_args(argv)
    corpus = Path(args.corpus)
    try:
        corpus_pages = load_corpus(corpus)
    except CorpusError as exc:
        print(exc, file=sys.stderr)
        return 2
    tally = Tally()
    for page in corpus_pages:
        facts = extract_page(page.body, page.url)
        compare(page.file, page.truth, page.page_type, facts, tally)
    pages = len(corpus_pages)
    print(f"{pages} pages from {corpus}\n")
    print(f"{'field':32} {'ok':>5} {'total':>5} {'accuracy':>9}")
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for field in sorted(tally.total):
        ok, total = tally.ok[field], tally.total[field]
        print(f"{field:32} {ok:5} {total:5} {100 * ok / total:8.1f}%")
        group = field.split(".")[0] if not field.startswith("meta_variant") else "meta"
        if field.endswith("(info)"):
            group = "informational: " + field
        if field.startswith("article.publish_date"):
            group = "publish_date"
        elif field.startswith("article."):
            group = "title"
        groups[group][0] += ok
        groups[group][1] += total
    print("\noverall")
    for group, (ok, total) in sorted(groups.items()):
        print(f"  {group:40} {ok:5}/{total:<5} {100 * ok / total:6.1f}%")
    _list_summary(tally)
    if not args.quiet:
        print(f"\nmismatches ({len(tally.misses)})")
        for file, field, expected, got in tally.misses:
            print(f"  {file}  {field}\n      expected: {expected!r}\n      got:      {got!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
