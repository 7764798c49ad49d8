"""Which sections of a rule table a computation read.

A re-score with another table runs a check again only when the table sections the check read
when it ran differ between the two tables (:mod:`govwatch.scoring.runs`). Declaring the sections
by hand would go stale the day a check starts reading one more; so the table records its own
reads instead. Every :class:`~govwatch.rules.RuleSet` keeps its data in a
:class:`RecordedSections` mapping, which notes each top-level key read while a :func:`recording`
is open (in this thread or task), and notes :data:`EVERYTHING` when the whole table is iterated.
Outside a recording a read costs one context-variable lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

EVERYTHING = "*"  # the whole table was read (iterated, copied): any change reruns the computation

_current: ContextVar[set[str] | None] = ContextVar("govwatch_rule_reads", default=None)


def note(sections: Iterable[str]) -> None:
    """Count ``sections`` as read by the open recording, if any (a cached result's reads)."""
    reads = _current.get()
    if reads is not None:
        reads.update(sections)


@contextmanager
def recording() -> Iterator[set[str]]:
    """Collect the table sections read inside the block; on leaving, they also count as read by
    the recording around it (a computation inside a check is part of the check)."""
    reads: set[str] = set()
    token = _current.set(reads)
    try:
        yield reads
    finally:
        _current.reset(token)
        note(reads)


@contextmanager
def unrecorded() -> Iterator[None]:
    """Reads inside the block are not noted: for a result that notes its own reads later, when the
    part of it that depends on them is used (a column's update window, analysis/columns)."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


def same_sections(before: dict[str, Any], after: dict[str, Any], sections: Iterable[str]) -> bool:
    """Whether two tables' data agree on every one of ``sections`` (``interaction`` or
    ``interaction.reply_limits``; never on :data:`EVERYTHING`). Comparing is not reading: nothing is
    noted."""
    return all(s != EVERYTHING and _at(before, s) == _at(after, s) for s in sections)


def _at(data: dict[str, Any], section: str) -> Any:
    top, _, sub = section.partition(".")
    value = dict.get(data, top)
    return dict.get(value, sub) if sub and isinstance(value, dict) else value


class RecordedSections(dict[str, Any]):
    """A rule table's mapping that notes which sections are read (see the module): a top-level key
    (``homepage``) or, inside a top-level mapping, a key of it (``interaction.reply_limits``).
    Iterating or copying a section counts as reading it whole; iterating the table, as reading
    everything."""

    __slots__ = ("prefix",)

    def __init__(self, data: dict[str, Any], prefix: str = "") -> None:
        super().__init__(data if prefix else {k: RecordedSections(v, f"{k}.") if isinstance(v, dict) else v
                                                  for k, v in data.items()})
        self.prefix = prefix

    def _whole(self) -> None:
        note((self.prefix[:-1] if self.prefix else EVERYTHING,))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_plain_rebuilt, (dict(super().items()), self.prefix))

    def _read(self, key: str, value: Any) -> Any:
        if not isinstance(value, RecordedSections):  # a section notes what is read of it
            note((self.prefix + key,))
        return value

    def __getitem__(self, key: str) -> Any:
        return self._read(key, super().__getitem__(key))

    def get(self, key: str, default: Any = None) -> Any:
        return self._read(key, super().get(key, default))

    def __len__(self) -> int:  # bool(section) too: whether it is empty depends on all of it
        self._whole()
        return super().__len__()

    def __eq__(self, other: object) -> bool:
        self._whole()
        return super().__eq__(other)

    def __ne__(self, other: object) -> bool:
        self._whole()
        return super().__ne__(other)

    __hash__ = None

    def __contains__(self, key: object) -> bool:
        note((self.prefix + str(key),))
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self._whole()
        return super().__iter__()

    def keys(self) -> Any:
        self._whole()
        return super().keys()

    def values(self) -> Any:
        self._whole()
        return super().values()

    def items(self) -> Any:
        self._whole()
        return super().items()

    def copy(self) -> dict[str, Any]:
        self._whole()
        return dict(super().items())


def _plain_rebuilt(data: dict[str, Any], prefix: str) -> RecordedSections:
    """Unpickling: nested sections come back as the mappings they were."""
    section = RecordedSections({}, prefix)
    dict.update(section, data)
    return section
