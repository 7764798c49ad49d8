"""``core.heap``: with :func:`return_large_blocks_promptly`, blocks of a megabyte freed after a larger
one was go back to the system; with glibc's defaults they stay resident.

Each case runs in a fresh interpreter (the setting is for the whole process): a 32 MB block is
made and freed (glibc's default then raises its mmap threshold to 32 MB), then 40 blocks of 1 MB,
each followed by a 64 KB long-lived block (so the heap's top cannot simply shrink), are made and
freed; the resident set is read from ``/proc/self/status``.
"""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

SCRIPT = """
import sys
from govwatch.core.heap import return_large_blocks_promptly
if sys.argv[1] == "set":
    return_large_blocks_promptly()

def resident_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024

big = bytearray(32 << 20)
del big
before = resident_mb()
blocks, keep = [], []
for n in range(40):
    blocks.append(bytearray(b"x" * (1 << 20)))
    keep.append(bytearray(1 << 16))  # between them on the heap
del blocks
print(resident_mb() - before)
"""


def _kept_mb(mode: str) -> float:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, check=True)
    return float(done.stdout)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the setting is glibc's")
def test_freed_megabyte_blocks_go_back_to_the_system() -> None:
    default, promptly = _kept_mb("default"), _kept_mb("set")
    assert default > 15, f"glibc's defaults kept {default:.1f} MB: the case no longer shows the problem"
    assert promptly < 5, f"{promptly:.1f} MB of the freed 40 MB stayed resident"
