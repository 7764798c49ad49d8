"""The scheduler drift benchmark (bench/scheduler_drift.py) in small: 50 targets on 127.0.0.1, a 2 s
interval, 6 s. Every target gets the visits its slots promise, every stored visit has the plan it was
made for and none starts more than half an interval late, and the targets that always fail are down
with their alerts in the outbox (the real scheduler, observer, sender and a fake DingTalk robot)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "scheduler_drift.py"
INTERVAL = 2.0
DURATION = 6.0
LIMIT = 180  # generous completion bound: a hung bench fails the test instead of blocking the suite


def test_fifty_targets_get_their_visits_on_time(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--targets", "50", "--per-site", "5", "--servers", "2",
         "--interval", f"{INTERVAL:g}", "--duration", f"{DURATION:g}", "--down-share", "0.1", "--flaky", "0",
         "--json", str(out)],
        capture_output=True, text=True, timeout=LIMIT, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(out.read_text(encoding="utf-8"))

    assert figures["targets"] == 50
    # 6 s at one visit per 2 s, first visits staggered over the first interval: 2 or 3 visits each
    assert figures["targets_short"] == 0, figures["short_examples"]
    assert figures["visits_per_target_min"] >= 2
    assert figures["visits_per_target_max"] <= 4
    assert figures["visits_unplanned"] == 0
    assert figures["visits_stored"] == figures["visits_planned"]
    assert figures["drift_max_s"] < INTERVAL / 2

    # the alert path ran: the targets that always answer 503 (and only they: nothing else fails) are down
    assert figures["targets_always_down"] > 0
    assert figures["alert_states"] == 50
    assert figures["alert_states_down"] == figures["targets_always_down"]
    assert figures["outbox_rows"] >= 1
    assert figures["schedule_states"] == 50
