"""Stable, seedable pseudo-randomness.

Every random choice in the simulator is a pure function of the seed and of a
few keys (site id, column, item index, purpose), so any page can be produced on
its own, in any order, with identical bytes on every run and every machine.
Python's built-in ``hash()`` is salted per process and is never used here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")
_MASK = (1 << 64) - 1


def stable_int(*parts: object) -> int:
    """A 64-bit integer determined only by ``parts`` (joined as text)."""
    key = "\x1f".join(map(str, parts)).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def stable_unit(*parts: object) -> float:
    """A float in ``[0, 1)`` determined only by ``parts``."""
    return stable_int(*parts) / 2.0**64


def mix64(value: int) -> int:
    """SplitMix64 finaliser: a fast, well-mixed 64-bit function of ``value``."""
    z = (value + 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


class Rng:
    """SplitMix64: a tiny generator that is free to seed (one per item is cheap)."""

    __slots__ = ("state",)

    def __init__(self, seed: int) -> None:
        self.state = seed & _MASK

    def next64(self) -> int:
        self.state = z = (self.state + 0x9E3779B97F4A7C15) & _MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def random(self) -> float:
        """A float in ``[0, 1)``."""
        return (self.next64() >> 11) * (1.0 / (1 << 53))

    def randrange(self, start: int, stop: int | None = None) -> int:
        """An integer in ``[start, stop)`` (or ``[0, start)``)."""
        if stop is None:
            start, stop = 0, start
        return start + self.next64() % (stop - start)

    def choice(self, seq: Sequence[T]) -> T:
        """One element of a non-empty sequence."""
        return seq[self.next64() % len(seq)]


def rng_for(*parts: object) -> Rng:
    """A generator seeded from ``parts``; use it for several draws at once."""
    return Rng(stable_int(*parts))


def pick(seq: Sequence[T], *parts: object) -> T:
    """One element of ``seq`` chosen by ``parts``."""
    return seq[stable_int(*parts) % len(seq)]
