"""The shipped reading table (data/lexicons/readings.txt) says what pypinyin says."""

from __future__ import annotations

import pytest

from govwatch.analysis.content.lexicon import load_yaml
from govwatch.analysis.content.wording import homophone

pypinyin = pytest.importorskip("pypinyin")


def _readings(ch: str) -> set[str]:
    got = pypinyin.pinyin(ch, style=pypinyin.Style.NORMAL, heteronym=True, errors=lambda _c: [[]])
    return {r for r in (got[0] if got else []) if r.isascii() and r.isalpha()}


def test_homophones_of_every_lexicon_character_agree_with_pypinyin() -> None:
    data = load_yaml("wording.yaml")
    chars = sorted({ch for spec in data["categories"].values() for phrase in spec["phrases"] for ch in phrase
                    if "\u4e00" <= ch <= "\u9fff"})
    assert len(chars) > 100
    probes = "李力立墙强抢羌张章长王汪望习席系近进尽平评凭"  # common substitutes
    for a in chars:
        for b in probes:
            assert homophone(a, b) == bool(_readings(a) & _readings(b)), (a, b)


def test_known_homophones() -> None:
    assert homophone("墙", "强") and homophone("护", "户") and homophone("长", "常")  # 长: chang / zhang
    assert not homophone("李", "王") and not homophone("a", "李")
