"""The registry's problems on the 管理 pages.

The registry (``govwatch.registry``) and the identifier checks (``core/identifiers.py``) word their
problems in Chinese, as the command line shows them. The pages list each row's problem by row and
column, and name an uploaded file by the name it was uploaded as, never by the server's temporary
path. Cell values quoted in a message are attacker-controlled text: the templates print them escaped.
"""

from __future__ import annotations

from govwatch.registry.errors import RowProblem

__all__ = ["problem_row", "sheet_error"]


def problem_row(problem: RowProblem) -> dict[str, str | int | None]:
    """A row's problem for a template: row, column (the file's header) and the message."""
    return {"row": problem.row, "column": problem.column, "message": problem.message}


def sheet_error(message: str, path: str, shown_name: str) -> str:
    """Why an uploaded file cannot be read, naming it by ``shown_name`` instead of ``path``."""
    return message.replace(path, shown_name)
