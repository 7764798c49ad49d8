"""This process's heap and the system: freed memory handed back (glibc; elsewhere nothing is done).

A large inspection's steps each make and free tens of megabytes; what glibc keeps of it stays
resident, and the next step's peak sits on top of it. :func:`return_large_blocks_promptly` is set
once, when a command starts; :func:`trim_heap` is called between the steps.
"""

from __future__ import annotations

import ctypes

HEAP_MMAP_THRESHOLD = 64 * 1024  # bytes: a block this large or larger gets pages of its own
HEAP_TRIM_THRESHOLD = 128 * 1024  # bytes: free memory at the heap's top beyond this goes back
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL("libc.so.6")


def return_large_blocks_promptly() -> None:
    """Have glibc give large freed blocks back to the system at once (``mallopt``; this process and
    not the processes it starts, which run a new interpreter).

    By default glibc raises its mmap threshold to the largest block freed (up to 32 MiB): once a
    multi-megabyte text had been freed (a stored analysis's JSON, the score sheet's), every later
    one came from the heap, and what they left freed there stayed resident under the next step's
    objects. With the thresholds fixed, blocks of :data:`HEAP_MMAP_THRESHOLD` and more are mapped
    on their own and unmapped when freed (an inspection of 100,000 pages peaked ~4 MB lower:
    docs/benchmarks.md, issue 22, tenth pass)."""
    try:
        libc = _libc()
        libc.mallopt(_M_MMAP_THRESHOLD, HEAP_MMAP_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, HEAP_TRIM_THRESHOLD)
    except (OSError, AttributeError):  # not glibc: its defaults, whatever they are
        pass


def trim_heap() -> None:
    """Hand the heap's free pages back to the system (glibc's ``malloc_trim``; milliseconds): what a
    step freed would otherwise stay resident, and the next step's new objects sit on top of it."""
    try:
        _libc().malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass
