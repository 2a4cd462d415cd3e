"""Shared terminal output helpers (rich)."""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from accord.findings import Finding

# When output is not a terminal (make, CI logs) rich would wrap tables at 80 columns.
# emoji=False: "file.yaml:100: error" must not become "file.yaml💯 error".
console = Console(width=None if sys.stdout.isatty() else 120, emoji=False)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 120, emoji=False, soft_wrap=True)


def visible(text: object) -> str:
    """``text`` with every control or format character (escape sequences, bidirectional overrides, ...) shown
    as an escape such as ``\\x1b``: what an agency wrote can never drive the operator's terminal."""
    value = str(text)
    if value.isprintable():
        return value
    return "".join(c if c.isprintable() or c == "\n" else _escape(c) for c in value)


def _escape(char: str) -> str:
    code = ord(char)
    if unicodedata.category(char) in ("Zs",):  # a space of another kind: keep it
        return char
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def plain(text: object) -> Text:
    """Agency text as rich prints it: visible control characters, no markup (``[red]`` is just text)."""
    return Text(visible(text))


def summary_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="accord run summary", show_lines=False)
    for name, justify in (("agency", "left"), ("contract", "left"), ("files", "right"), ("rows in", "right"),
                          ("published", "right"), ("quarantined", "right"), ("filtered", "right"),
                          ("balanced", "center")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        table.add_row(plain(r["agency"]), plain(f"{r['contract']} v{r['contract_version']}"), str(r["submissions"]),
                      str(r["rows_in"]),
                      str(r["rows_published"]), str(r["rows_quarantined"]), str(r.get("rows_filtered", 0)),
                      "[green]yes[/]" if r["balanced"] else "[red]NO[/]")
    return table


def report_findings(files: list[Path], lint: Callable[[Path], list[Finding]], noun: str, lang: str = "en") -> int:
    """Print every finding of every file (to stderr, in ``lang``) and a count line; return how many files have
    errors (warnings are printed and counted, but do not fail)."""
    failed = warned = 0
    for file in files:
        findings = lint(file)
        for finding in findings:
            errors.print(plain(finding.describe(lang)), highlight=False)
        failed += any(f.severity == "error" for f in findings)
        warned += bool(findings) and all(f.severity != "error" for f in findings)
    if lang == "fr":
        console.print(f"{len(files)} {noun}(s) vérifié(s), {failed} avec erreurs"
                      + (f", {warned} avec avertissements seulement" if warned else ""))
    else:
        console.print(f"{len(files)} {noun}(s) checked, {failed} with errors"
                      + (f", {warned} with warnings only" if warned else ""))
    return failed
