"""The rule table records which of its sections a computation read (rules/reads.py), and the
checks' records carry them: what a re-score's reuse of stored results rests on."""

from __future__ import annotations

import pickle
from datetime import date

from govwatch.rules import load_ruleset
from govwatch.rules.reads import EVERYTHING, recording, same_sections, unrecorded


def test_reads_are_noted_per_top_level_key_or_per_key_of_a_section() -> None:
    rules = load_ruleset("national-2019")
    with recording() as reads:
        rules.homepage_window  # noqa: B018 - a read
        rules.interaction.get("reply_limits")
        rules.column_window("news")
    assert reads == {"homepage.window", "interaction.reply_limits", "columns.windows"}


def test_a_section_tested_for_emptiness_compared_or_iterated_counts_as_read_whole() -> None:
    rules = load_ruleset("national-2019")
    for section, use in (("services", lambda: bool(rules.services)), ("services", lambda: rules.services == {}),
                         ("services", lambda: list(rules.services)), ("availability", lambda: dict(rules.availability))):
        with recording() as reads:
            use()
        assert section in reads, reads
    with recording() as reads:
        list(rules.data)
    assert reads == {EVERYTHING}


def test_nested_recordings_count_for_the_outer_one_and_unrecorded_reads_for_none() -> None:
    rules = load_ruleset("national-2019")
    with recording() as outer:
        with recording() as inner:
            rules.homepage_min_items  # noqa: B018
        with unrecorded():
            rules.search_typo_tolerance  # noqa: B018
    assert inner == {"homepage.min_items"} and outer == {"homepage.min_items"}
    with recording() as reads:
        pass
    assert reads == set()


def test_same_sections_compares_what_was_read_and_never_everything() -> None:
    national, suqian = load_ruleset("national-2019"), load_ruleset("suqian-2022")
    assert same_sections(national.data, suqian.data, ["homepage.window", "services"])
    assert not same_sections(national.data, suqian.data, ["columns.windows"])
    assert not same_sections(national.data, national.data, [EVERYTHING])
    assert same_sections(national.data, {**suqian.data, "columns": None}, [])  # nothing read: always the same
    with recording() as reads:
        same_sections(national.data, suqian.data, ["columns.windows"])
    assert reads == set()  # comparing is not reading


def test_a_table_survives_pickling_with_its_recording() -> None:
    rules = pickle.loads(pickle.dumps(load_ruleset("national-2019")))
    assert rules == load_ruleset("national-2019")
    with recording() as reads:
        rules.interaction_window("lookback")
    assert reads == {"interaction.lookback"}
    assert rules.homepage_window.cutoff(date(2026, 12, 1)) < date(2026, 12, 1)
