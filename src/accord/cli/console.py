"""Shared terminal output helpers (rich)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from accord.findings import Finding

# When output is not a terminal (make, CI logs) rich would wrap tables at 80 columns.
# emoji=False: "file.yaml:100: error" must not become "file.yaml💯 error".
console = Console(width=None if sys.stdout.isatty() else 120, emoji=False)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 120, emoji=False, soft_wrap=True)


def summary_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="accord run summary", show_lines=False)
    for name, justify in (("agency", "left"), ("contract", "left"), ("files", "right"), ("rows in", "right"),
                          ("published", "right"), ("quarantined", "right"), ("balanced", "center")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        table.add_row(r["agency"], f"{r['contract']} v{r['contract_version']}", str(r["submissions"]),
                      str(r["rows_in"]),
                      str(r["rows_published"]), str(r["rows_quarantined"]),
                      "[green]yes[/]" if r["balanced"] else "[red]NO[/]")
    return table


def report_findings(files: list[Path], lint: Callable[[Path], list[Finding]], noun: str) -> int:
    """Print every finding of every file (to stderr) and a count line; return how many files have findings."""
    failed = 0
    for file in files:
        findings = lint(file)
        for finding in findings:
            errors.print(str(finding), markup=False, highlight=False)
        failed += bool(findings)
    console.print(f"{len(files)} {noun}(s) checked, {failed} with errors")
    return failed
