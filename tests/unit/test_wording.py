"""Near-misses of the fixed expressions: every error class on a sample of the lexicon, and the
cases that must not be reported (correct variants, other real bodies, words beside an end)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from govwatch.analysis.content.lexicon import load_yaml
from govwatch.analysis.content.wording import (
    FUNCTION_WORDS,
    char_similarity,
    is_cjk,
    near_reading,
    wording_lexicon,
)

LEXICON = wording_lexicon()
SAMPLE = random.Random(16).sample(LEXICON.phrases, 60)
# Substitutes a writer would type: the characters of the lexicon and of the clean-text fixture.
CLEAN = Path(__file__).parent / "data" / "wording_clean.txt"
COMMON = sorted({ch for p in LEXICON.phrases for ch in p.text if is_cjk(ch)}
                | {ch for ch in CLEAN.read_text(encoding="utf-8") if is_cjk(ch)})


def _found(text: str, expected: str) -> bool:
    return any(m.expected == expected for m in LEXICON.scan(text))


def _in_sentence(form: str) -> str:
    return f"会议强调，{form}。"


def _substituted(text: str, kind: str) -> str | None:
    similarity = char_similarity()
    for i, ch in enumerate(text):
        for c in COMMON:
            if c != ch and is_cjk(ch) and similarity.kind(c, ch) == kind:
                wrong = text[:i] + c + text[i + 1:]
                if wrong not in LEXICON.allowed:
                    return wrong
    return None


@pytest.mark.parametrize("kind", ["homophone", "near_homophone", "shape"])
def test_similar_substitutions_in_a_sample_of_expressions(kind: str) -> None:
    tried = 0
    for phrase in SAMPLE:
        wrong = _substituted(phrase.text, kind)
        if wrong is None:
            continue
        tried += 1
        assert _found(_in_sentence(wrong), phrase.text), (kind, wrong)
    assert tried >= 30


def test_swaps_drops_and_inserts_anywhere_in_a_sample_of_expressions() -> None:
    for phrase in SAMPLE:
        t, n = phrase.text, len(t := phrase.text)
        for i in range(n - 1):
            if t[i] != t[i + 1] and is_cjk(t[i]) and is_cjk(t[i + 1]):
                wrong = t[:i] + t[i + 1] + t[i] + t[i + 2:]
                if wrong not in LEXICON.allowed:
                    assert _found(_in_sentence(wrong), t), ("swap", wrong)
        for i in range(1, n):
            wrong = t[:i] + "器" + t[i:]
            assert _found(_in_sentence(wrong), t), ("insert", wrong)
        if n >= 7:
            for i in range(1, n - 1):
                wrong = t[:i] + t[i + 1:]
                if is_cjk(t[i]) and wrong not in LEXICON.allowed and (
                        t[i] not in FUNCTION_WORDS or (n >= 8 and phrase.category != "organisation")):
                    # flagged; the suggestion may be another expression just as near (中华人民共和国政部:
                    # 财政部 or 民政部 with a character dropped)
                    assert LEXICON.scan(_in_sentence(wrong)), ("drop", wrong)
            if is_cjk(t[0]) and is_cjk(t[-1]):
                for wrong in (t[1:], t[:-1]):  # 北省人民政府: 湖北 or 河北, either suggestion
                    assert LEXICON.scan(f"会议强调“{wrong}”。"), ("edge", wrong)


@pytest.mark.parametrize(("text", "found", "expected", "how", "error_class"), [
    ("国务院总理李墙主持会议", "国务院总理李墙", "国务院总理李强", "homophone", "homophone"),
    ("为实现中华民族伟大复新而奋斗", "中华民族伟大复新", "中华民族伟大复兴", "substitution", "near_homophone"),
    ("推进全面从严冶党", "全面从严冶党", "全面从严治党", "substitution", "shape"),
    ("深入学习习近平新时代中国特色社会主又思想", "习近平新时代中国特色社会主又思想",
     "习近平新时代中国特色社会主义思想", "substitution", "other"),
    ("坚决做到两维个护。", "两维个护", "两个维护", "transposition", "swap"),
    ("坚持以习近平新时代中国特色社会义思想为指导", "习近平新时代中国特色社会义思想",
     "习近平新时代中国特色社会主义思想", "drop", "drop"),
    ("积极稳妥推进“碳达峰碳中”。", "碳达峰碳中", "碳达峰碳中和", "drop", "drop"),
    ("中华人民共和国国国务院", "中华人民共和国国国务院", "中华人民共和国国务院", "insert", "insert"),
    ("陕吸省人民政府印发通知", "陕吸省人民政府", "陕西省人民政府", "homophone", "homophone"),
])
def test_each_class_is_named(text: str, found: str, expected: str, how: str, error_class: str) -> None:
    [m] = LEXICON.scan(text)
    assert (m.found, m.expected, m.how, m.error_class) == (found, expected, how, error_class)


@pytest.mark.parametrize("text", [
    "山西省人民政府、陕西省人民政府、河南省人民政府、湖南省人民政府、海南省人民政府联合发文",
    "人力资源社会保障部、住房城乡建设部、国家发展改革委印发通知",
    "湖北省文化和旅游厅、市住房和城乡建设局、区退役军人事务局、省人力资源和社会保障厅",
    "北海市人民政府；当时的国务院总理李鹏同志；建设有中国特色社会主义",
    "全国人民代表大会常务委员会关于批准的决定；社会主义现代化强省；聚力推动高质量发展",
    "全面建设社会主义现代化江西；打造国际化市场化法治化营商环境",
    "不忘初心，牢记使命；不忘初心牢记使命",
])
def test_correct_variants_and_other_bodies_are_not_reported(text: str) -> None:
    assert LEXICON.scan(text) == []


def test_no_expression_or_variant_is_a_near_miss_of_another() -> None:
    for text in sorted(LEXICON.allowed):
        assert LEXICON.scan(text) == [], text
        assert LEXICON.scan(f"会议强调，{text}。") == [], text


def test_lexicon_is_broad_and_every_group_names_its_source() -> None:
    data = load_yaml("wording.yaml")
    assert data["leaders_as_of"] and data["updated"]
    for key, group in data["categories"].items():
        assert group.get("source"), key
        assert group.get("category", key) in ("leader", "political", "organisation"), key
    texts = [p.text for p in LEXICON.phrases]
    assert len(texts) >= 400 and len(set(texts)) == len(texts)
    assert min(map(len, texts)) >= 4
    assert {"国家主席习近平", "国务院总理李强", "中华人民共和国", "全过程人民民主"} <= set(texts)


def test_near_readings_fold_the_common_confusions() -> None:
    assert near_reading("zhang") == near_reading("zan") == "zan"
    assert near_reading("shi") == near_reading("si")
    assert near_reading("nan") == near_reading("lang")
    assert near_reading("hu") == near_reading("fu")
    assert near_reading("xing") == near_reading("xin")
    assert near_reading("ma") != near_reading("mo")
    similarity = char_similarity()
    assert similarity.kind("兴", "新") == "near_homophone"
    assert similarity.kind("强", "墙") == "homophone"
    assert similarity.kind("治", "冶") == "shape"
    assert similarity.kind("民", "氏") == "other"
