"""``accord mapping lint | suggest``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli.console import console, errors
from accord.contracts import ContractRegistry
from accord.mapping.lint import lint_mapping
from accord.settings import project_dirs

app = typer.Typer(help="Work with agency mapping files.", no_args_is_help=True)

ProjectOption = Annotated[Path | None, typer.Option(help="folder with contracts/ (default: current folder)")]


@app.command("lint")
def lint(
    paths: Annotated[list[Path], typer.Argument(help="mapping files, or mappings/ folders")],
    project_dir: ProjectOption = None,
) -> None:
    """Check mappings against their contracts: file:line:column: message (hint); exit 1 on any error."""
    contracts = ContractRegistry.load(project_dirs(project_dir).contracts)
    files = [f for p in paths for f in (sorted(p.glob("*/*.yaml")) if p.is_dir() else [p])]
    failed = 0
    for file in files:
        findings = lint_mapping(file, contracts)
        for finding in findings:
            errors.print(str(finding), markup=False, highlight=False)
        failed += bool(findings)
    console.print(f"{len(files)} mapping(s) checked, {failed} with errors")
    if failed:
        raise typer.Exit(1)
