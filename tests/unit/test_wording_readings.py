"""Where one text reads as two near-misses of the same expression, the wording check reports the
one with the fewest edits, and on a tie the one that explains the most characters, so that its
``found`` is the span to correct and its suggestion fixes it (issue 16 class 4 found these on
simulated sites: an insert doubling a neighbour was reported as a swap beside a stray character)."""

from __future__ import annotations

import pytest

from govwatch.analysis.content.wording import wording_lexicon

LEXICON = wording_lexicon()


@pytest.mark.parametrize(("text", "found", "expected", "how"), [
    # an insert doubling a neighbour, not a swap after (or before) a stray character
    ("会议强调，中共中中央书记处要求。", "中共中中央书记处", "中共中央书记处", "insert"),
    ("会议强调，全国人民代表会大会召开。", "全国人民代表会大会", "全国人民代表大会", "insert"),
    # an insert before the last character, not a homophone of it followed by a stray one
    ("现就山西省人民政不府相关事项说明如下。", "山西省人民政不府", "山西省人民政府", "insert"),
    # a swap at either end, not a drop beside a stray character
    ("编者按：位五一体总体布局相关报道。", "位五一体总体布局", "五位一体总体布局", "transposition"),
    ("现就安徽省人民府政相关事项说明如下。", "安徽省人民府政", "安徽省人民政府", "transposition"),
    # one similar character, still preferred to two
    ("会议传达学习了国务院总理李墙的讲话。", "国务院总理李墙", "国务院总理李强", "homophone"),
])
def test_the_reading_with_fewest_edits_and_most_characters_is_reported(text: str, found: str, expected: str,
                                                                       how: str) -> None:
    got = [(m.found, m.expected, m.how) for m in LEXICON.scan(text)]
    assert got == [(found, expected, how)]
    corrected = text.replace(found, expected)  # the suggestion applied to the span found
    assert LEXICON.scan(corrected) == [] and corrected.count(expected) == 1
