"""Body hashing and compression (no database code: also used in extraction workers)."""

from __future__ import annotations

import hashlib

import zstandard

_compressor = zstandard.ZstdCompressor(level=3)
_decompressor = zstandard.ZstdDecompressor()


def body_hash(body: bytes) -> str:
    """The content address of a body (BLAKE2b, 160 bits, hex)."""
    return hashlib.blake2b(body, digest_size=20).hexdigest()


def compress(body: bytes) -> bytes:
    return _compressor.compress(body)


def decompress(data: bytes, codec: str) -> bytes:
    return _decompressor.decompress(data) if codec == "zstd" else data
