"""The inspection JSON written piece by piece (core/jsonfile.py ``json_chunks``, ``write_json_file``):
the very bytes :func:`json_bytes` writes whole, for the simulator sites' documents and for made-up
values of every shape the writer treats apart (empty and long lists, nested sections, non-string
keys, dates, strings that need escaping, long dicts below the sections written a slice at a time);
what orjson refuses is still written, whole."""

from __future__ import annotations

import random
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from govwatch.core.jsonfile import _DICT_SLICE, _STREAMED_LIST, json_bytes, json_chunks, write_json_file

SHAPES = [{}, [], {"a": []}, {"a": {}}, {"a": list(range(_STREAMED_LIST))}, {"a": list(range(_STREAMED_LIST - 1))},
          {"k": {1: "an int key", 2.5: "a float key"}}, {"d": date(2026, 1, 1), "t": [datetime(2026, 1, 2, 3, 4)] * 80},
          [[1, 2]] * 100, {"s": "中文\n\"引号\"\t\\"}, {"a": {"b": {"c": [{"d": [{"e": 1}] * 70}] * 70}}},
          [{"a": [1] * 100}] * 100, {"x": None, "y": 1.5, "z": True, "w": -0.0}, "a string", 7, None]


def _value(rng: random.Random, depth: int) -> Any:
    """A random JSON value: containers likelier near the top, long lists now and then."""
    kinds = ["dict", "list", "long", "leaf"] if depth < 2 else ["dict", "list", "leaf"] if depth < 4 else ["leaf"]
    kind = rng.choice(kinds)
    if kind == "dict":
        return {rng.choice(["url", "名称", "a\"b", "k"]) + str(i): _value(rng, depth + 1) for i in range(rng.randint(0, 4))}
    if kind == "long":  # its items two levels down: a few small containers each, not a long list again
        return [_value(rng, depth + 2) for _ in range(rng.randint(_STREAMED_LIST, _STREAMED_LIST + 40))]
    if kind == "list":
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return rng.choice([None, True, False, rng.randint(-10**12, 10**12), rng.random() * 1e6, "", "通知公告", "\u2028"])


@pytest.mark.parametrize("value", SHAPES, ids=range(len(SHAPES)))
def test_each_shape_is_written_as_json_bytes_writes_it(value: Any) -> None:
    assert b"".join(json_chunks(value)) == json_bytes(value)


def test_random_values_are_written_as_json_bytes_writes_them() -> None:
    rng = random.Random(22)
    for _ in range(400):
        value = _value(rng, 0)
        assert b"".join(json_chunks(value)) == json_bytes(value)


def test_the_simulator_documents_are_written_byte_for_byte(inspected_sites: Any, tmp_path: Path) -> None:
    longest = 0
    for site_id in inspected_sites.site_ids():
        document = inspected_sites[site_id].document
        longest = max(longest, len(document["findings"]))
        path = tmp_path / f"{site_id}.json"
        write_json_file(document, path)
        assert path.read_bytes() == json_bytes(document) == inspected_sites[site_id].document_json
    assert longest >= _STREAMED_LIST  # some site's findings were written one by one


@pytest.mark.parametrize("entries", [_DICT_SLICE, _DICT_SLICE + 1, 2 * _DICT_SLICE, 2 * _DICT_SLICE + 7])
def test_a_long_dict_is_written_in_slices_as_one(entries: int) -> None:
    """The score sheet's trace (an entry per finding) and any long dict further down: sliced, the
    same bytes as whole, at every depth and with keys of any kind."""
    rng = random.Random(entries)
    long = {(f"WT-{i:08X}" if i % 5 else i): _value(rng, 3) for i in range(entries)}
    document = {"scoring": {"findings": long}, "findings": [{"evidence": long}] * 2, "a": {"b": {"c": long}}}
    assert b"".join(json_chunks(document)) == json_bytes(document)
    if entries >= 2 * _DICT_SLICE:  # never one buffer of it: its largest piece is a slice's
        whole = len(json_bytes({"s": {"t": long}}))
        assert max(len(chunk) for chunk in json_chunks({"s": {"t": long}})) < 0.8 * whole


def test_what_orjson_refuses_is_written_whole(tmp_path: Path) -> None:
    value = {"findings": [{"n": i} for i in range(_STREAMED_LIST)] + [{"n": 2**70}]}  # beyond 64 bits, at the end
    with pytest.raises(orjson.JSONEncodeError):
        b"".join(json_chunks(value))
    path = tmp_path / "big.json"
    path.write_bytes(b"an older file, longer than what follows " * 1000)
    write_json_file(value, path)
    assert path.read_bytes() == json_bytes(value)  # the older, longer file's tail is gone too
