"""Accuracy of meta-tag and footer-identity extraction on the real-page corpus (issue 5).

Usage: python bench/identity_corpus.py [--corpus PATH] [--json] [--quiet]

Runs ``extract_page`` on every stored page and compares, against the manifest's hand-checked
truth:

- ``meta.<Name>``: each meta tag the truth names (its first value, exactly);
- ``meta.name_case``: per page, the case variants of those names (``meta_name_case_variants``);
- ``footer.site_code``, ``footer.icp``, ``footer.police_record``, ``footer.sponsor``: the value must
  be one the truth lists, or absent where the truth has none;
- ``footer.contact``: one of the truth's phones, e-mails or addresses (that truth is
  best-effort, so the figure is also given without it);
- ``footer.conac``: the 党政机关网站标识 present or not;
- ``footer.jiucuo``: the 找错 entry's site code is one the truth lists; absent where there is no
  entry; www.gov.cn's own 纠错 page (a link without a site code) as ``Footer.jiucuo_govcn``.

Pages whose truth has no meta tags, and the footer text items of pages whose footer is written
by JavaScript (``identity_text_in_static_html: false``), are listed as not scored; what
extraction still found there is listed too. Prints per-field accuracy, the overall accuracy
(fields correct / fields with truth) and every miss; ``--json`` prints the same as one object.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from govwatch.core.model import PageFacts  # noqa: E402
from govwatch.extract import extract_page  # noqa: E402
from real_corpus import DEFAULT_CORPUS, CorpusError, CorpusPage, Tally, jiucuo_truth_codes, load_corpus  # noqa: E402

__all__ = ["IdentityScore", "score", "score_page", "main"]

# Footer items read from the visible text: (Footer attribute, truth key).
TEXT_ITEMS = (("site_code", "site_id_code"), ("icp", "icp"), ("police_record", "public_security_beian"),
              ("sponsor", "host_unit"))
BEST_EFFORT = ("footer.contact",)
# Meta names extraction keeps that the truth does not cover (never scored).
UNCOVERED_META = ("Keywords", "Description", "ColumnKeywords", "Author", "Image")


@dataclass
class IdentityScore:
    """Per-field counts, misses and what was left unscored, over a set of corpus pages."""

    pages: int = 0
    tally: Tally = field(default_factory=Tally)
    no_meta_truth: list[str] = field(default_factory=list)
    footer_not_static: list[str] = field(default_factory=list)
    unscored_found: list[tuple[str, str, object]] = field(default_factory=list)  # (page, field, got)

    def overall(self, *, best_effort: bool = True) -> tuple[int, int]:
        """(fields correct, fields with truth), with or without the best-effort contact."""
        names = [f for f in self.tally.total if best_effort or f not in BEST_EFFORT]
        return sum(self.tally.ok[f] for f in names), sum(self.tally.total[f] for f in names)

    @property
    def accuracy(self) -> float:
        ok, total = self.overall()
        return ok / total if total else 0.0

    def as_dict(self) -> dict[str, Any]:
        def figure(ok: int, total: int) -> dict[str, Any]:
            return {"ok": ok, "total": total, "accuracy": round(ok / total, 4) if total else None}

        t = self.tally
        return {
            "pages": self.pages,
            "fields": {f: figure(t.ok[f], t.total[f]) for f in sorted(t.total)},
            "overall": figure(*self.overall()),
            "overall_without_best_effort": figure(*self.overall(best_effort=False)),
            "best_effort_fields": list(BEST_EFFORT),
            "not_scored": {
                "pages_without_meta_truth": self.no_meta_truth,
                "pages_with_footer_text_by_javascript": self.footer_not_static,
                "meta_names_without_truth": list(UNCOVERED_META),
            },
            "found_where_not_scored": [{"page": p, "field": f, "got": g} for p, f, g in self.unscored_found],
            "misses": [{"page": p, "field": f, "expected": e, "got": g} for p, f, e, g in t.misses],
        }


def _score_meta(file: str, truth: dict[str, Any], facts: PageFacts, s: IdentityScore) -> None:
    meta = truth.get("meta") or {}
    if not meta:
        s.no_meta_truth.append(file)
        return
    for name, value in meta.items():
        got = facts.meta.get(name)
        s.tally.check(file, f"meta.{name}", value, got, got == value)
    expected = {k: v for k, v in (truth.get("meta_name_case_variants") or {}).items() if k in meta}
    got_variants = {k: v for k, v in facts.meta_variants.items() if k in meta}
    s.tally.check(file, "meta.name_case", expected, got_variants, got_variants == expected)


def _score_footer(file: str, truth: dict[str, Any], facts: PageFacts, s: IdentityScore) -> None:
    ft = truth.get("footer") or {}
    foot = facts.footer
    if ft.get("identity_text_in_static_html"):
        for attr, key in TEXT_ITEMS:
            values = ft.get(key) or []
            got = getattr(foot, attr)
            s.tally.check(file, f"footer.{attr}", values or None, got, got in values if values else got is None)
        best = ft.get("contact_best_effort") or {}
        contacts = [v for kind in ("phones", "emails", "addresses") for v in best.get(kind) or []]
        s.tally.check(file, "footer.contact", contacts or None, foot.contact,
                      foot.contact in contacts if contacts else foot.contact is None)
    else:
        s.footer_not_static.append(file)
        for attr in (*(a for a, _ in TEXT_ITEMS), "contact"):
            if getattr(foot, attr) is not None:
                s.unscored_found.append((file, f"footer.{attr}", getattr(foot, attr)))
    present = bool((ft.get("conac_identity") or {}).get("present"))
    s.tally.check(file, "footer.conac", present, foot.conac, foot.conac == present)
    jiucuo = ft.get("jiucuo_entry") or {}
    codes = jiucuo_truth_codes(jiucuo)
    got = foot.jiucuo_site_code
    if not jiucuo.get("present"):
        s.tally.check(file, "footer.jiucuo", None, got, got is None)
    elif codes:
        s.tally.check(file, "footer.jiucuo", codes, got, got is not None and got.lower() in {c.lower() for c in codes})
    elif jiucuo.get("govcn_own_jiucuopage_link"):
        s.tally.check(file, "footer.jiucuo", "www.gov.cn's own 纠错 page", foot.jiucuo_govcn, foot.jiucuo_govcn)
    else:
        s.tally.check(file, "footer.jiucuo", "entry without a site code", got, False)


def score_page(page: CorpusPage, s: IdentityScore) -> None:
    """Add one corpus page's meta and footer comparisons to ``s``."""
    facts = extract_page(page.body, page.url)
    _score_meta(page.file, page.truth, facts, s)
    _score_footer(page.file, page.truth, facts, s)
    s.pages += 1


def score(pages: Iterable[CorpusPage]) -> IdentityScore:
    """Meta and footer-identity accuracy over ``pages``."""
    s = IdentityScore()
    for page in pages:
        score_page(page, s)
    return s


def _pct(ok: int, total: int) -> str:
    return f"{100 * ok / total:.1f}%" if total else "n/a"


def _print_text(s: IdentityScore, corpus: Path, quiet: bool) -> None:
    t = s.tally
    print(f"{s.pages} pages from {corpus}\n")
    print(f"{'field':28} {'ok':>5} {'total':>5} {'accuracy':>9}")
    for f in sorted(t.total):
        note = "  (best-effort truth)" if f in BEST_EFFORT else ""
        print(f"{f:28} {t.ok[f]:5} {t.total[f]:5} {_pct(t.ok[f], t.total[f]):>9}{note}")
    ok, total = s.overall()
    print(f"\noverall: {ok}/{total} fields correct ({_pct(ok, total)})")
    ok, total = s.overall(best_effort=False)
    print(f"without the best-effort contact: {ok}/{total} ({_pct(ok, total)})")
    print("\nnot scored")
    print(f"  {len(s.no_meta_truth)} pages whose truth lists no meta tags: {', '.join(s.no_meta_truth) or '-'}")
    print(f"  {len(s.footer_not_static)} pages whose footer text is written by JavaScript (site code, ICP, "
          f"公安备案, sponsor, contact not scored; conac and 找错 scored from markup): "
          f"{', '.join(s.footer_not_static) or '-'}")
    print(f"  meta names the truth does not cover: {', '.join(UNCOVERED_META)}")
    for page, f, got in s.unscored_found:
        print(f"  found on an unscored page: {page} {f} = {got!r}")
    if not quiet:
        print(f"\nmisses ({len(t.misses)})")
        for page, f, expected, got in t.misses:
            print(f"  {page}  {f}\n      expected: {expected!r}\n      got:      {got!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="corpus directory (manifest.jsonl, pages/)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    ap.add_argument("--quiet", action="store_true", help="do not list misses (text output)")
    args = ap.parse_args(argv)
    corpus = Path(args.corpus)
    try:
        pages = load_corpus(corpus)
    except CorpusError as exc:
        print(exc, file=sys.stderr)
        return 2
    s = score(pages)
    if args.json:
        print(json.dumps({"corpus": str(corpus), **s.as_dict()}, ensure_ascii=False, indent=1))
    else:
        _print_text(s, corpus, args.quiet)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
