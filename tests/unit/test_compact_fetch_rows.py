"""The compact columns of a stored run's fetch rows (store/stored_run.py) and link targets
(rundata.LinkTargets) give back exactly the values put in: same types, None, odd values aside."""

from __future__ import annotations

import math
from typing import Any

from govwatch.rundata import LinkTarget, LinkTargets
from govwatch.store.stored_run import _Hashes, _Numbers, _Texts


def _round_trip(column: Any, values: list[Any]) -> list[Any]:
    aside = {}
    for row, value in enumerate(values):
        if not column.add(value):
            aside[row] = value
    out = []
    for row in range(len(values)):
        try:
            out.append(column.get(row))
        except KeyError:
            out.append(aside[row])
    return out


def test_int_column_widens_and_keeps_none_and_odd_values() -> None:
    values: list[Any] = [None, 0, 3, -128, -127, 127, 200, None, 70000, -(2 ** 40), 2 ** 62, True, 1.5, "x",
                         -(2 ** 63), 5]
    out = _round_trip(_Numbers("int"), values)
    assert out == values
    assert [type(v) for v in out] == [type(v) for v in values]


def test_float_and_bool_columns() -> None:
    floats: list[Any] = [1.5, None, 0.0, math.inf, 3, 2.25]
    assert [(type(v), v) for v in _round_trip(_Numbers("float"), floats)] == [(type(v), v) for v in floats]
    nan = _round_trip(_Numbers("float"), [math.nan])[0]
    assert math.isnan(nan)
    bools: list[Any] = [True, False, None, 1, 0]
    out = _round_trip(_Numbers("bool"), bools)
    assert [(type(v), v) for v in out] == [(type(v), v) for v in bools]


def test_text_column_widens_its_codes() -> None:
    values: list[Any] = [None, *(f"v{i % 300}" for i in range(700)), None, "v1"]
    column = _Texts()
    assert _round_trip(column, values) == values
    assert column.codes.typecode == "H"


def test_hash_column() -> None:
    a, b = "0" * 39 + "a", "ff" * 20
    values: list[Any] = [None, None, a, None, "AB" * 20, b, "abc", "zz" * 20, "ab" * 32, b]
    assert _round_trip(_Hashes(), values) == values


def test_link_targets_read_back() -> None:
    targets = LinkTargets()
    rows = [("https://a/1", "page", 3), ("https://a/2.pdf", "attachment", 1), ("https://b/", "external", 2 ** 40)]
    for row in rows:
        targets.append(*row)
    assert list(targets) == [LinkTarget(*row) for row in rows]
    assert len(targets) == 3 and targets[1] == LinkTarget(*rows[1]) and targets[-1] == LinkTarget(*rows[2])
    assert targets[:2] == [LinkTarget(*rows[0]), LinkTarget(*rows[1])]
