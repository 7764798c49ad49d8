"""match_label (an index lookup) gives the answer of the rule it implements, tried synonym by
synonym: equal, or a 4+ character synonym followed by at most two more characters; longest wins."""

from __future__ import annotations

import random

from govwatch.analysis.interaction import match_label, words


def by_rule(label: str, table: dict[str, list[str]]) -> str | None:
    best: tuple[int, str] | None = None
    for key, synonyms in table.items():
        for syn in synonyms:
            names = label == syn or (len(syn) >= 4 and label.startswith(syn) and len(label) - len(syn) <= 2)
            if names and (best is None or len(syn) > best[0]):
                best = (len(syn), key)
    return best[1] if best else None


def test_every_vocabulary_table_agrees_with_the_rule() -> None:
    rng = random.Random(5)
    tables = [v for v in words().values() if isinstance(v, dict)
              and all(isinstance(s, list) and all(isinstance(x, str) for x in s) for s in v.values())]
    assert len(tables) >= 3
    tried = 0
    for table in tables:
        synonyms = [s for group in table.values() for s in group]
        for syn in synonyms:
            for label in (syn, syn + "表", syn + "目录", syn + "一二三", syn[:-1], "的" + syn, syn[:2]):
                assert match_label(label, table) == by_rule(label, table), (label, table)
                tried += 1
        for _ in range(200):
            label = "".join(rng.choice(synonyms))[: rng.randint(1, 8)] + rng.choice(["", "：", "日期", "x"])
            assert match_label(label, table) == by_rule(label, table), (label, table)
            tried += 1
    assert tried > 500


def test_ties_and_short_synonyms() -> None:
    table = {"a": ["申请材料", "时间"], "b": ["申请材料", "申请材料目录"], "c": ["时间"]}
    assert match_label("申请材料", table) == "a"  # a shared synonym: the first key
    assert match_label("申请材料目录", table) == "b"  # the longer synonym
    assert match_label("申请材料清单", table) == "a"  # 4 characters, two more allowed
    assert match_label("时间段", table) is None  # under 4 characters: only exact
    assert match_label("时间", table) == "a"
