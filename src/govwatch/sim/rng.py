"""Stable, seedable pseudo-randomness.

Every random choice in the simulator is a pure function of the seed and of a
few keys (site id, column, item index, purpose), so any page can be produced on
its own, in any order, with identical bytes on every run and every machine.
Python's built-in ``hash()`` is salted per process and is never used here.
"""

from __future__ import annotations

import hashlib
import random
from typing import Sequence, TypeVar

T = TypeVar("T")


def stable_int(*parts: object) -> int:
    """A 64-bit integer determined only by ``parts`` (joined as text)."""
    key = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def stable_unit(*parts: object) -> float:
    """A float in ``[0, 1)`` determined only by ``parts``."""
    return stable_int(*parts) / 2.0**64


def rng_for(*parts: object) -> random.Random:
    """A ``random.Random`` seeded from ``parts``; use it for several draws at once."""
    return random.Random(stable_int(*parts))


def pick(seq: Sequence[T], *parts: object) -> T:
    """One element of ``seq`` chosen by ``parts``."""
    return seq[stable_int(*parts) % len(seq)]
