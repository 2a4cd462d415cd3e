"""Lint findings (contracts and mappings): results, not exceptions; a file can have many."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    file: str
    line: int | None
    path: str
    message: str
    severity: str = "error"
    column: int | None = None
    hint: str = ""

    def __str__(self) -> str:
        return self.describe("en")

    def describe(self, lang: str) -> str:
        """``file:line:column: error: path: message (hint: ...)``, the labels in ``lang`` (en or fr)."""
        where = self.file + (f":{self.line}" if self.line is not None else "")
        where += f":{self.column}" if self.line is not None and self.column is not None else ""
        at = f" {self.path}:" if self.path else ""
        severity = {"error": "erreur", "warning": "avertissement"}.get(self.severity, self.severity) \
            if lang == "fr" else self.severity
        hint = (f" (conseil : {self.hint})" if lang == "fr" else f" (hint: {self.hint})") if self.hint else ""
        return f"{where}: {severity}:{at} {self.message}{hint}"
