"""The outbox drain benchmark (bench/outbox_drain.py) on 2,000 rows: nothing lost, nothing twice,
no channel over its rate. A correctness test of the bench and the sender, not a timing test: the
truth is what the fake receivers on 127.0.0.1 recorded."""

from __future__ import annotations

import importlib.util
import sys
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "bench" / "outbox_drain.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("outbox_drain", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("outbox_drain", module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_2000_rows_drain_with_none_lost_none_twice_and_no_robot_over_its_rate() -> None:
    bench = _bench()
    figures = bench.run(2000, bench.parse_channels("dingtalk:3,wecom:2,webhook:1,email:1"), recipients=4, batch=200)
    assert figures["problems"] == [] and figures["ok"]
    assert (figures["left"], figures["lost"], figures["duplicates"], figures["failed"]) == (0, 0, 0, 0)
    channels = figures["channels"]
    # 2,000 rows round robin over 7 channels: 286 each on the first five, 285 on webhook and email;
    # the unlimited channels deliver each of theirs as itself
    assert channels["webhook-1"]["delivered"] == channels["email-1"]["delivered"] == 285
    for name in ("dingtalk-1", "dingtalk-2", "dingtalk-3", "wecom-1", "wecom-2"):
        assert channels[name]["rate"] == 20
        assert 0 < channels[name]["peak_minute"] <= 20
        assert channels[name]["delivered"] <= 20 * (figures["sim_minutes"] + 1)
    counts = figures["counts"]
    assert set(counts) == {"sent", "merged"}
    assert counts["sent"] + counts["merged"] == 2000 + figures["digest_rows"]  # every row, and every digest, accounted
    assert figures["delivered"] == counts["sent"]
    assert figures["deferred"] == 0  # a digest waits for its own turn; none is claimed and put off again


def test_most_in_a_minute_counts_as_a_robot_does() -> None:
    bench = _bench()
    t0 = datetime(2026, 12, 4, 10, 0)
    assert bench.most_in_a_minute([]) == 0
    assert bench.most_in_a_minute([t0] * 20 + [t0 + timedelta(seconds=60)] * 20) == 20  # a minute old: gone
    assert bench.most_in_a_minute([t0] * 20 + [t0 + timedelta(seconds=59)]) == 21
