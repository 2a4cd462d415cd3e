"""``accord contract lint PATH...``: validate contract files against ODCS and accord's rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli.console import console, errors
from accord.contracts import lint_contract

app = typer.Typer(help="Work with data contracts.", no_args_is_help=True)


@app.command("lint")
def lint(paths: Annotated[list[Path], typer.Argument(help="contract files or folders")]) -> None:
    """Report every problem in the given contracts (file:line: path: message); exit 1 on any error."""
    files = [f for p in paths for f in (sorted(p.rglob("*.yaml")) if p.is_dir() else [p])]
    failed = 0
    for file in files:
        findings = lint_contract(file)
        for finding in findings:
            errors.print(str(finding), markup=False, highlight=False)
        failed += bool(findings)
    console.print(f"{len(files)} contract(s) checked, {failed} with errors")
    if failed:
        raise typer.Exit(1)
