"""govwatch against ``wget --spider -r`` on one generated site, in one command (issue 22).

    .venv/bin/python bench/side_by_side.py [--pages 20000] [--runs 2] [--min-ratio 1.0] [--script PATH]

Runs the inspection project's shared side-by-side benchmark (``../shared/bench/side_by_side.py``
beside the checkout, or ``--script``): a generated static site served by nginx on loopback, the
whole ``govwatch inspect`` command and ``wget --spider -r`` alternating ``--runs`` times, medians of
wall time, CPU and peak RSS (``/usr/bin/time -v``: the largest single process of each command's
tree, chromium included). Its last line is the verdict: govwatch pages/s, wget pages/s, the ratio
and govwatch's peak RSS; the exit code is 0 when the ratio reaches ``--min-ratio``. Every other
option is passed on. It runs ``.venv/bin/govwatch`` of this checkout (``GOVWATCH`` overrides).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "bench" / "side_by_side.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--script", type=Path, default=SHARED, help="the shared side_by_side.py")
    args, passed_on = parser.parse_known_args()
    if not args.script.is_file():
        print(f"没有找到对比基准脚本 {args.script}（应在检出目录旁的 shared/bench/ 下，或用 --script 指定）",
              file=sys.stderr)
        return 2
    env = {**os.environ, "GOVWATCH": os.environ.get("GOVWATCH", str(ROOT / ".venv" / "bin" / "govwatch"))}
    return subprocess.run([sys.executable, str(args.script), *passed_on], cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    raise SystemExit(main())
