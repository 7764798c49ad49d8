"""Near-misses of the wording lexicon (``govwatch.sim.near_miss``), generated without sockets: each
class is the edit it names, built from the simulator's own characters, never a correct or an
ambiguous form; variation 0 plants none; under variation every site's wording article shows one
per class and the manifest lists it with the check's ``how``."""

from __future__ import annotations

import random
from collections import Counter
from html import escape

import pytest

from govwatch.analysis.content.wording import FUNCTION_WORDS, char_similarity, is_cjk, wording_lexicon
from govwatch.sim import Portfolio
from govwatch.sim.manifest import build_manifest
from govwatch.sim.near_miss import (
    CLASSES,
    HOW,
    Corruptor,
    ambiguous,
    common_chars,
    near,
    site_near_misses,
)
from govwatch.sim.plants import WORDING
from tests.sim.sim_helpers import OPTIONS

LEXICON = wording_lexicon()
CASES = [(seed, variation, site) for seed in (1, 7, 23) for variation in (1, 2, 3) for site in ("trs", "jcms", "legacy")]


def _one_char_differs(form: str, expected: str) -> tuple[str, str]:
    """(found, wanted) character of a one-substitution form."""
    ((got, want),) = [(x, y) for x, y in zip(form, expected, strict=True) if x != y]
    return got, want


def _removed(longer: str, shorter: str) -> int | None:
    """The index of the one character ``shorter`` lacks, or None when it is not ``longer`` less one."""
    for i in range(len(longer)):
        if longer[:i] + longer[i + 1:] == shorter:
            return i
    return None


def test_variation_zero_plants_no_near_miss() -> None:
    assert site_near_misses(7, 0, "trs") == ()


@pytest.mark.parametrize(("seed", "variation", "site_id"), CASES)
def test_one_near_miss_per_class_each_the_edit_it_names(seed: int, variation: int, site_id: str) -> None:
    misses = site_near_misses(seed, variation, site_id)
    assert [n.cls for n in misses] == list(CLASSES)
    assert len({n.expected for n in misses}) == len(CLASSES), "each of another expression"
    similarity, common = char_similarity(), common_chars()
    for n in misses:
        form, expected = n.form, n.expected
        assert expected in {p.text for p in LEXICON.phrases}
        assert form not in LEXICON.allowed and expected not in form and not ambiguous(form, expected, LEXICON.phrases)
        assert n.how == HOW[n.cls] and form in n.sentence
        n.sentence.encode("gbk")  # legacy pages are GBK
        if n.cls in ("homophone", "near_homophone", "shape"):
            got, want = _one_char_differs(form, expected)
            assert got in common and similarity.kind(got, want) == n.cls
        elif n.cls == "swap":
            diffs = [i for i, (x, y) in enumerate(zip(form, expected, strict=True)) if x != y]
            assert len(diffs) == 2 and diffs[1] == diffs[0] + 1
            assert form[diffs[0]] == expected[diffs[1]] and form[diffs[1]] == expected[diffs[0]]
        elif n.cls in ("drop", "drop_edge"):
            i = _removed(expected, form)
            assert i is not None and len(expected) >= (5 if n.cls == "drop" else 6)
            if n.cls == "drop":
                assert 0 < i < len(expected) - 1
            else:  # the dropped side stands beside punctuation
                assert (i == 0 and f"“{form}" in n.sentence) or (i == len(expected) - 1 and f"{form}”" in n.sentence)
        else:
            i = _removed(form, expected)
            assert i is not None and 0 < i < len(form) - 1 and form[i] in common and len(expected) >= 4
            assert len(expected) >= 8 or form[i] not in FUNCTION_WORDS


def test_near_misses_are_a_function_of_seed_variation_and_site() -> None:
    build = site_near_misses.__wrapped__
    assert build(7, 1, "trs") == build(7, 1, "trs")
    assert len({build(7, 1, s) for s in ("trs", "jcms", "legacy")} | {build(7, 2, "trs"), build(8, 1, "trs")}) == 5


def test_substitutes_are_the_simulators_own_characters() -> None:
    """The simulator's vocabulary and the lexicon's characters, never a real corpus; no rare ones."""
    common = common_chars()
    assert {ch for p in LEXICON.phrases for ch in p.text if is_cjk(ch)} <= set(common)
    assert "镕" not in common and all(is_cjk(ch) for ch in common)


def test_a_form_as_near_another_expression_is_ambiguous() -> None:
    assert near("东省人民政府", "山东省人民政府") and near("国务院总理李墙", "国务院总理李强")
    assert not near("国务院总理", "国务院总理李强")
    assert ambiguous("东省人民政府", "广东省人民政府", LEXICON.phrases)
    assert not ambiguous("国务院总理李墙", "国务院总理李强", LEXICON.phrases)


def test_inserted_characters_are_drawn_as_random_choices_draws_them() -> None:
    """The bench's figures stay those of ``random.Random.choices`` (the draw it used before)."""
    chars = Counter("发展改革委员会的的的人民政府")
    corruptor = Corruptor(random.Random(5), char_similarity(), chars)
    mine = []
    for _ in range(20):
        got = corruptor.insert("国家发展和改革委员会")
        assert got is not None
        mine.append(got.form)
    r, keys, weights = random.Random(5), list(chars.keys()), list(chars.values())
    theirs = []
    for _ in range(20):
        c = r.choices(keys, weights)[0]
        i = r.randrange(1, 10)
        theirs.append("国家发展和改革委员会"[:i] + c + "国家发展和改革委员会"[i:])
    assert mine == theirs


@pytest.mark.parametrize("variation", [0, 1])
def test_the_wording_article_shows_and_the_manifest_lists_them(variation: int) -> None:
    portfolio = Portfolio.with_fake_ports(OPTIONS.with_(variation=variation, hostile=False))
    manifest = build_manifest(portfolio)
    for site_id, gen in portfolio.sites.items():
        ref = gen.plants.slots["wording"]
        article = gen.plants.extra_html(ref)
        planted = [p for p in manifest["sites"][site_id]["planted"] if p["kind"] == "wording_error"]
        misses = site_near_misses(OPTIONS.seed, variation, site_id)
        assert len(misses) == (len(CLASSES) if variation else 0)
        want = [{"found": f, "expected": e, "how": h} for _s, f, e, h in WORDING]
        want += [{"found": n.form, "expected": n.expected, "how": n.how} for n in misses]
        assert [p["match"] for p in planted] == want
        assert len({p["url"] for p in planted}) == 1
        assert planted[0]["url"].endswith(gen.layout.item_path(gen.column(ref.col), ref.index))
        assert all(f"<p>{escape(n.sentence)}</p>" in article for n in misses)
