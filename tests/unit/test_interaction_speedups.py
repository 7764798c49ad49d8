"""The shortcuts of the interaction readers (issue 22) give the answers of what they replace.

- ``match_label`` finds a table's index by the table's identity: tables built for one call (a
  check's one-key dict), dropped and built again with other words, never get another table's index.
- ``_lines`` drops a part of whitespace only before collapsing it: ``collapse`` empties exactly the
  strings ``str.isspace`` calls whitespace, over every code point.
- ``field_key`` is kept per label: the kept answer is the computed one.
"""

from __future__ import annotations

import sys

from govwatch.analysis.interaction import match_label, words
from govwatch.analysis.interaction.message_fields import collapse
from govwatch.analysis.interaction.messages import field_key


def test_tables_built_per_call_get_their_own_index() -> None:
    for n in range(300):  # more than the kept indexes: the cache is cleared and refilled on the way
        word = f"标签{n:03d}"
        table = {f"key{n % 7}": [word]}  # a new dict each time, often at a freed one's address
        assert match_label(word, table) == f"key{n % 7}"
        assert match_label(f"标签{n + 1:03d}", table) is None
        del table


def test_a_vocabulary_table_matches_the_same_on_every_call() -> None:
    table = words()["message_fields"]
    labels = [s for synonyms in table.values() for s in synonyms]
    first = [match_label(label, table) for label in labels]
    assert first == [match_label(label, dict(table)) for label in labels]  # an equal copy: same answers
    assert all(key is not None for key in first)


def test_collapse_empties_exactly_whitespace() -> None:
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        c = chr(code)
        assert (collapse(c * 3) == "") == c.isspace(), hex(code)


def test_field_key_kept_per_label_is_the_computed_one() -> None:
    labels = [s for synonyms in words()["message_fields"].values() for s in synonyms]
    labels += ["县住房和城乡建设局回复", "市长答复", "已回复", "未答复", "回复", "无关标签"]
    kept = [field_key(label) for label in labels]
    field_key.cache_clear()
    assert kept == [field_key(label) for label in labels]
    assert field_key("县住房和城乡建设局回复") == "reply"
    assert field_key("已回复") is None
