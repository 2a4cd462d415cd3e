"""The one family of exceptions accord raises.

Only fatal problems are raised (a contract or mapping that cannot be used, a file that cannot be read at
all). Everything an agency must fix in its rows is a report entry with a reason code, see ``reasons``.
"""

from __future__ import annotations

from pathlib import Path


class AccordError(Exception):
    """Base class: a problem that stops the current unit of work, with where it happened."""

    def __init__(
        self, message: str, *, file: Path | str | None = None, line: int | None = None, path: str = ""
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.path = path
        super().__init__(self.describe())

    def describe(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}"
        if self.path:
            where += f" [{self.path}]" if where else self.path
        return f"{where}: {self.message}" if where else self.message


class ContractError(AccordError):
    """A contract file is missing, unparsable or breaks the standard or accord's rules."""


class MappingError(AccordError):
    """A mapping file is unparsable, unknown to its contract or otherwise unusable."""


class ExtractRejected(AccordError):
    """An agency extract cannot be processed as a whole (unreadable, wrong format, missing columns)."""

    def __init__(self, message: str, *, reason: str, file: Path | str | None = None, column: str = "") -> None:
        self.reason = reason
        self.column = column
        super().__init__(message, file=file, path=column)
