"""Shared fixtures: a simulator per test session (real HTTP server on 127.0.0.1)."""

from __future__ import annotations
