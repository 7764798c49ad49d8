"""core/spool.py: what is read back from a Spool, a Lazy view and a Sorted spool equals what went in
(order, values, types, length), and the inspection JSON of a document with lazy lists is byte for
byte the JSON of the same document with plain lists."""

from __future__ import annotations

import copy
import gc
import json
import os
import pickle
import random
from datetime import date
from pathlib import Path

import pytest

from govwatch.core.jsonfile import json_bytes, json_chunks
from govwatch.core.spool import CHUNK, Lazy, Sorted, Spool


def _items(n: int, start: int = 0) -> list[dict[str, object]]:
    return [{"n": i, "when": date(2026, 1, 1 + i % 28), "pair": (i, str(i))} for i in range(start, start + n)]


def test_a_spool_reads_back_what_was_appended_every_time() -> None:
    items = _items(2 * CHUNK + 3)
    spool = Spool(items)
    assert len(spool) == len(items) and bool(spool)
    assert list(spool) == items and list(spool) == items  # read twice, the same
    first = next(iter(spool))
    assert type(first["when"]) is date and type(first["pair"]) is tuple and first is not items[0]
    spool.append({"n": -1})  # appended after a read: read with the rest
    assert list(spool)[-1] == {"n": -1} and len(spool) == len(items) + 1
    assert {"n": -1} in spool and {"n": -2} not in spool
    assert not Spool() and list(Spool()) == []


def test_sibling_spools_join_in_order_without_copying() -> None:
    root: Spool[dict[str, object]] = Spool()
    parts = [root.sibling() for _ in range(3)]
    parts[2].extend(_items(CHUNK + 1, 1000))  # written first, joined last
    parts[0].extend(_items(5))
    parts[1].extend(_items(CHUNK, 100))
    joined = Spool.joined(parts)
    assert list(joined) == _items(5) + _items(CHUNK, 100) + _items(CHUNK + 1, 1000)
    assert len(joined) == 5 + CHUNK + CHUNK + 1
    with pytest.raises(ValueError, match="sibling"):
        Spool.joined([Spool(_items(1)), Spool(_items(1))])


def test_what_pickle_cannot_write_is_kept_not_lost() -> None:
    odd = {"callback": lambda: None}
    spool = Spool([*_items(3), odd])
    assert list(spool)[3] is odd and len(spool) == 4


def test_lazy_maps_and_filters_each_time_it_is_read() -> None:
    source = Spool(range(2 * CHUNK))
    evens = Lazy(source, lambda i: {"i": i} if i % 2 == 0 else None, keep_none=False)
    assert len(evens) == CHUNK and list(evens) == [{"i": i} for i in range(0, 2 * CHUNK, 2)]
    assert evens == [{"i": i} for i in range(0, 2 * CHUNK, 2)] and evens != [{"i": 0}]
    given = Lazy([1, 2, 3], str, length=3)
    assert list(given) == ["1", "2", "3"] and len(given) == 3 and "2" in given
    assert not Lazy([], str)


def test_sorted_reads_back_in_pythons_order_ties_as_given() -> None:
    rng = random.Random(7)
    words = ["整改", "链接", "LJ-0A", "LJ-0a", "zz", "Ä", "栏目", ""]
    items = [(rng.randrange(2), -rng.choice([0.0, 0.5, 1.0, 2.25, 10.0]), rng.choice(words), i)
             for i in range(3 * CHUNK + 11)]

    def key(item: tuple[int, float, str, int]) -> tuple[int, float, str]:
        return item[0], item[1], item[2]

    ordered = Sorted(items, key=key)
    assert len(ordered) == len(items)
    assert list(ordered) == sorted(items, key=key)  # Python's sort is stable: ties keep the given order
    assert list(ordered) == sorted(items, key=key)  # read again
    assert list(Sorted([], key=key)) == [] and not Sorted([], key=key)


def test_json_of_lazy_lists_is_the_json_of_plain_lists() -> None:
    findings = Spool(_items(300))
    document = {"schema_version": 1, "findings": Lazy(findings, lambda f: {**f, "id": f"X-{f['n']}"}),
                "links": {"broken": Lazy(findings, lambda f: f if f["n"] % 7 == 0 else None, keep_none=False),
                          "few": Lazy(findings, lambda f: f if f["n"] < 3 else None, keep_none=False)},
                "empty": Lazy([], str)}
    plain = json.loads(json_bytes(document))
    assert len(plain["findings"]) == 300 and len(plain["links"]["broken"]) == 43 and plain["empty"] == []
    assert b"".join(json_chunks(document)) == json_bytes(document) == json_bytes(plain)


def test_pickled_and_copied_they_arrive_whole() -> None:
    findings = Spool(_items(CHUNK + 2))
    document = {"findings": Lazy(findings, lambda f: f["n"]), "spool": findings,
                "sorted": Sorted([3, 1, 2], key=lambda i: (i,))}
    arrived = pickle.loads(pickle.dumps(document))
    assert arrived["findings"] == list(range(CHUNK + 2)) and type(arrived["findings"]) is list
    assert type(arrived["spool"]) is Spool and list(arrived["spool"]) == _items(CHUNK + 2)
    assert arrived["sorted"] == [1, 2, 3]
    assert copy.deepcopy(document)["findings"] == list(range(CHUNK + 2))
    assert findings[CHUNK + 1] == _items(1, CHUNK + 1)[0] and findings[-1]["n"] == CHUNK + 1
    assert findings[1:3] == _items(2, 1)
    with pytest.raises(IndexError):
        findings[CHUNK + 2]


def test_spools_hold_no_open_file_and_their_file_goes_with_them() -> None:
    small = Spool(_items(CHUNK - 1))
    assert small._file is None and list(small) == _items(CHUNK - 1)  # fewer than a chunk: never on disk
    idle = Spool().sibling()  # a check run that found nothing: no file either
    assert not Spool.joined([idle, idle.sibling()]) and idle._file is not None and idle._file._path is None
    before = len(os.listdir("/proc/self/fd"))
    many = [Spool(_items(CHUNK + 1)) for _ in range(50)]  # a bulletin's worth of sites
    assert all(len(list(s)) == CHUNK + 1 for s in many)
    assert len(os.listdir("/proc/self/fd")) <= before + 2  # not one open file per spool
    path = Path(many[0]._file._path)
    assert path.exists()
    del many
    gc.collect()
    assert not path.exists()
