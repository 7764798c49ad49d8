"""Look-alike hosts of a registered site: generated deterministically and bounded, and recognised.

Honest limits, asserted: of the corpus's 37 clone hosts the generator produces exactly two
(djjiangsu.gov.cn, djsc.gov.cn: the 党建 prefix ``dj``); the others glue arbitrary letters before the
site's label (``lfy``, ``zxw1``, ``zgy2`` …), which no bounded generator guesses, but
:func:`lookalike_relation` recognises 35 of them as ``prefix`` look-alikes. gqsbeijing.gov.cn and
zxwwuhan.gov.cn copy department sites (zdb.beijing.gov.cn, swj.wuhan.gov.cn) under a look-alike of the
parent domain: no look-alike of the department's own host (their identifiers still make them
counterfeits: test_corpus.py)."""

from __future__ import annotations

import pytest

from govwatch.analysis.lookalike import edit_distance, lookalike_candidates, lookalike_relation, pinyin_syllables
from tests.counterfeit.corpus_support import CORPUS, pages


def test_candidates_are_deterministic_bounded_and_never_the_site_itself() -> None:
    first = lookalike_candidates("www.jiangsu.gov.cn")
    assert first == lookalike_candidates("www.jiangsu.gov.cn")
    assert len(first) == len(set(first))
    assert "www.jiangsu.gov.cn" not in first and "jiangsu.gov.cn" not in first
    assert not [h for h in first if h.endswith(".jiangsu.gov.cn")]  # its own sub-sites are no look-alikes
    assert lookalike_candidates("www.jiangsu.gov.cn", limit=5) == first[:5]


def test_candidates_cover_every_kind_the_brief_names() -> None:
    hosts = set(lookalike_candidates("www.jiangsu.gov.cn"))
    expected = {
        "djjiangsu.gov.cn", "zfjiangsu.gov.cn", "gov-jiangsu.gov.cn",  # prefixes
        "jiangsu.com", "jiangsu.cn", "jiangsu.net", "jiangsu.org.cn", "jiangsu.com.cn",  # other suffixes
        "jiangsu-gov.cn", "jiangsugov.cn", "jiangsu.gov-cn.com", "jiangsugovcn.com",  # gov-cn / govcn
        "js.gov.cn", "jiang-su.gov.cn",  # pinyin initials and syllables
        "j1angsu.gov.cn",  # homoglyph i → 1
        "jaingsu.gov.cn", "jangsu.gov.cn", "jiiangsu.gov.cn",  # swap, omission, doubled letter
    }
    assert expected <= hosts, expected - hosts
    assert "rniit.gov.cn" in lookalike_candidates("www.miit.gov.cn")  # m → rn
    assert "g0v.gov.cn" not in hosts


def test_a_department_host_keeps_its_parent_domain() -> None:
    hosts = lookalike_candidates("whlyw.cq.gov.cn")
    assert "djwhlyw.cq.gov.cn" in hosts and "whlywcq.com" in hosts
    assert all(not h.endswith(".whlyw.cq.gov.cn") for h in hosts)


def test_ip_hosts_have_no_candidates() -> None:
    assert lookalike_candidates("127.0.0.1:8080") == []


@pytest.mark.parametrize(("host", "kind"), [
    ("djjiangsu.gov.cn", "prefix"), ("jiangsu.com", "suffix"), ("www.jiangsu.net", "suffix"),
    ("jiangsu-gov.cn", "hyphen"), ("j1angsu.gov.cn", "homoglyph"), ("js.gov.cn", "pinyin"),
    ("jaingsu.gov.cn", "typo"), ("fgw.jiangsu.gov.cn", None), ("jiangsu.gov.cn", None),
    ("www.sc.gov.cn", None), ("www.jiangxi.gov.cn", None),
])
def test_relation_kinds(host: str, kind: str | None) -> None:
    assert lookalike_relation(host, "www.jiangsu.gov.cn") == kind


def test_pinyin_and_edit_distance() -> None:
    assert pinyin_syllables("jiangsu") == ["jiang", "su"]
    assert pinyin_syllables("xiangtan") == ["xiang", "tan"]
    assert pinyin_syllables("whlyw") is None
    assert edit_distance("jiangsu", "jaingsu") == 1 and edit_distance("jiangsu", "jiangxi") == 2


@pytest.mark.skipif(not (CORPUS / "manifest.jsonl").is_file(), reason="real-page corpus not present")
def test_which_corpus_clone_hosts_the_generator_and_the_relation_catch() -> None:
    clones = [p for p in pages() if p.clone]
    generated = sorted(p.found_host for p in clones if p.found_host in lookalike_candidates(p.site))
    assert generated == ["djjiangsu.gov.cn", "djsc.gov.cn"]
    unrelated = sorted(p.found_host for p in clones if lookalike_relation(p.found_host, p.site) is None)
    assert unrelated == ["gqsbeijing.gov.cn", "zxwwuhan.gov.cn"]
    assert sum(lookalike_relation(p.found_host, p.site) == "prefix" for p in clones) == 35
