"""Whole-run analyses kept with a stored run, so a re-score with another rule table need not redo them.

An analysis that reads no rule-table section a re-score changes (column discovery and figures read
none: only a column's judgement reads the ``columns`` windows; the messages of the consult columns
read none: only their judgement reads reply limits and look-back; the parsed candidate guide pages
read none: only which count as guides reads ``services``) is stored as JSON when the run is
checked, with the sections it read (``RunData.derived`` records them). A later ``RunData`` of the
run restores it through ``RunData.stored_analysis`` when its table agrees on those sections, and
judges it again; otherwise it is computed as at the inspection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from govwatch.analysis.columns.analyze import COLUMNS, column_to_json
from govwatch.analysis.interaction.collect import GUIDES, MESSAGES, STATISTICS, guides_to_json, seen_to_json
from govwatch.rundata import RunData

ENCODERS: dict[str, Callable[[Any], Any]] = {  # analysis name -> its value as JSON
    COLUMNS: lambda columns: [column_to_json(c) for c in columns],
    MESSAGES: lambda seen: [seen_to_json(m) for m in seen],
    GUIDES: guides_to_json,
    STATISTICS: lambda published: {"shown": published.shown, "pages_checked": published.pages_checked},
}


def analyses_to_store(data: RunData) -> Mapping[str, tuple[frozenset[str], Any]]:
    """The storable analyses ``data`` computed (not those it restored): name -> (the rule-table
    sections each read, its JSON), each made when it is read (:class:`ToStore`)."""
    return ToStore({name: (value, reads) for name, (value, reads) in data.computed().items() if name in ENCODERS})


class ToStore(Mapping[str, tuple[frozenset[str], Any]]):
    """Analyses to store, each encoded as JSON when it is read, not before: the store writes them
    one at a time, so one analysis's JSON is held at a time (at 100,000 pages the guide pages'
    2.1 MB, the columns' objects), not all of them all through the scoring."""

    def __init__(self, computed: dict[str, tuple[Any, frozenset[str]]]) -> None:
        self._computed = computed  # name -> (value, the rule-table sections it read)

    def __getitem__(self, name: str) -> tuple[frozenset[str], Any]:
        value, reads = self._computed[name]
        return reads, ENCODERS[name](value)

    def __iter__(self) -> Iterator[str]:
        return iter(self._computed)

    def __len__(self) -> int:
        return len(self._computed)
