"""Meta-tag and footer-identity accuracy on the real-page corpus (bench/identity_corpus.py).

An accuracy test, not a timing test: the benchmark's scoring over the hand-checked corpus truth
must stay at or above 98%.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import identity_corpus  # noqa: E402
from real_corpus import DEFAULT_CORPUS, load_corpus  # noqa: E402

needs_corpus = pytest.mark.skipif(not (DEFAULT_CORPUS / "manifest.jsonl").is_file(),
                                  reason=f"real-page corpus not at {DEFAULT_CORPUS}")


@needs_corpus
def test_corpus_accuracy_at_least_98_percent():
    pages = load_corpus(DEFAULT_CORPUS)
    s = identity_corpus.score(pages)
    ok, total = s.overall()
    assert s.pages == len(pages) >= 50
    assert total >= 700  # meta tags, case variants and footer items of 50 pages were all scored
    assert ok / total >= 0.98, s.tally.misses
    ok, total = s.overall(best_effort=False)
    assert ok / total >= 0.98, s.tally.misses
    for name in ("meta.SiteName", "meta.SiteIDCode", "meta.PubDate", "footer.site_code", "footer.icp",
                 "footer.police_record", "footer.conac", "footer.jiucuo"):
        assert s.tally.ok[name] == s.tally.total[name] > 0, name


@needs_corpus
def test_json_output_matches_the_scoring(capsys):
    assert identity_corpus.main(["--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    s = identity_corpus.score(load_corpus(DEFAULT_CORPUS))
    assert (out["overall"]["ok"], out["overall"]["total"]) == s.overall()
    assert len(out["misses"]) == len(s.tally.misses)
    assert "003.html" in out["not_scored"]["pages_with_footer_text_by_javascript"]  # footer by document.writeln
    assert "005.html" in out["not_scored"]["pages_without_meta_truth"]


PAGE = ("<html><head><meta name='sitename' content='示例市人民政府'><meta name='SiteIDCode' content='3201000001'>"
        "</head><body><p>正文</p><p>主办：示例市人民政府办公室 网站标识码：3201000001 苏ICP备12345678号</p>"
        "</body></html>")


def _corpus(tmp_path: Path, truths: list[dict]) -> Path:
    (tmp_path / "pages").mkdir()
    lines = []
    for n, truth in enumerate(truths):
        (tmp_path / "pages" / f"{n}.html").write_text(PAGE, encoding="utf-8")
        lines.append(json.dumps({"file": f"{n}.html", "site": "www.example.gov.cn", "truth": truth}, ensure_ascii=False))
    (tmp_path / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def _truth(site_name: str, sponsor: str, *, static: bool = True) -> dict:
    """Truth for PAGE; an empty ``site_name`` means no meta truth."""
    return {"meta": {"SiteName": site_name, "SiteIDCode": "3201000001"} if site_name else {},
            "meta_name_case_variants": {"SiteName": "sitename"},
            "footer": {"identity_text_in_static_html": static, "site_id_code": ["3201000001"],
                       "icp": ["苏ICP备12345678号"], "public_security_beian": None, "host_unit": [sponsor],
                       "contact_best_effort": {}, "conac_identity": {"present": False},
                       "jiucuo_entry": {"present": False}}}


def test_scoring_counts_misses_and_unscored_pages(tmp_path):
    corpus = _corpus(tmp_path, [_truth("示例市人民政府", "示例市人民政府办公室"),
                                _truth("别的名字", "别的单位"),
                                _truth("", "别的单位", static=False)])
    s = identity_corpus.score(load_corpus(corpus))
    assert s.pages == 3
    assert sorted((page, f) for page, f, _e, _g in s.tally.misses) == [("1.html", "footer.sponsor"),
                                                                       ("1.html", "meta.SiteName")]
    assert s.no_meta_truth == ["2.html"] and s.footer_not_static == ["2.html"]
    # the page with JavaScript footer: text items not scored, what extraction found is listed
    assert ("2.html", "footer.sponsor", "示例市人民政府办公室") in s.unscored_found
    assert s.tally.total["footer.sponsor"] == 2 and s.tally.total["meta.name_case"] == 2
    assert s.tally.ok["meta.name_case"] == 2
    ok, total = s.overall()
    assert total == sum(s.tally.total.values()) and ok == total - 2


def test_missing_corpus_is_a_clear_message(tmp_path, capsys):
    assert identity_corpus.main(["--corpus", str(tmp_path / "nowhere")]) == 2
    assert "no corpus at" in capsys.readouterr().err
