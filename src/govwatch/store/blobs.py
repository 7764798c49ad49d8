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
    """The content address of a body (BLAKE2b, 160 bits, hex)."""
    return hashlib.blake2b(body, digest_size=20).hexdigest()


def compress(body: bytes) -> bytes:
    return _contexts()[0].compress(body)


def decompress(data: bytes, codec: str) -> bytes:
    return _contexts()[1].decompress(data) if codec == "zstd" else data
