"""Errors of the registry package (all are the user's input, i.e. exit code 2 on the CLI)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RegistryError", "SheetError", "RowProblem"]


class RegistryError(ValueError):
    """Bad registry input: a file, an org code, a site URL, a filing (the message says why)."""


class SheetError(RegistryError):
    """A registry file that cannot be read at all (type, encoding, header row)."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One problem of one row of a registry file.

    ``row`` is the row number as a spreadsheet shows it (the header is row 1 when it is
    the first line); ``column`` the header as written in the file (``None`` for the row).
    """

    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行" + (f"「{self.column}」" if self.column else "") + f"：{self.message}"
