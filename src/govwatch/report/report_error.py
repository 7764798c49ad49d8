"""The one error a report writer raises: something it needs is missing (a browser, a font, a folder)."""

from __future__ import annotations


class ReportError(RuntimeError):
    """A report that cannot be written; the message says what to install or change (no traceback needed)."""
