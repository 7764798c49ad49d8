"""Body hashing and compression (no database code: also used in extraction workers)."""

from __future__ import annotations

import hashlib
import threading

import zstandard

# zstd contexts are not thread-safe: one per thread (the writer thread and the
# event loop's thread both compress).
_local = threading.local()


def _contexts() -> tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor]:
    ctx = getattr(_local, "zstd", None)
    if ctx is None:
        ctx = _local.zstd = (zstandard.ZstdCompressor(level=3), zstandard.ZstdDecompressor())
    return ctx


def body_hash(body: bytes) -> str:
    """The content address of a body: SHA-256 cut to 160 bits, hex (40 characters, the width of the
    BLAKE2b-160 digests stored before 2026-12-05). SHA-256 runs on the CPU's SHA extensions: 1.6 GB/s
    here against BLAKE2b's 0.8 GB/s, on the 1 GB of attachments a 20,000-page benchmark crawl keeps
    (docs/benchmarks.md, "Issue 22, fifth pass"). A body stored under its older digest is stored
    once more under the new one; no check compares digests across runs."""
    return hashlib.sha256(body).digest()[:20].hex()


def compress(body: bytes) -> bytes:
    return _contexts()[0].compress(body)


def decompress(data: bytes, codec: str) -> bytes:
    return _contexts()[1].decompress(data) if codec == "zstd" else data
