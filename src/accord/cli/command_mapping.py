"""``accord mapping lint | suggest``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli.console import console, errors, report_findings
from accord.contracts import ContractRegistry
from accord.mapping.lint import lint_mapping
from accord.mapping.suggest import draft_findings, suggest_mapping
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
    if report_findings(files, lambda file: lint_mapping(file, contracts), "mapping"):
        raise typer.Exit(1)


@app.command("suggest")
def suggest(
    extract: Annotated[Path, typer.Argument(help="a sample extract", exists=True, dir_okay=False)],
    contract: Annotated[str, typer.Option(help="contract id, e.g. person")],
    version: Annotated[int | None, typer.Option(help="contract major version (default: the latest)")] = None,
    agency: Annotated[str | None, typer.Option(help="agency id (default: the extract's folder name)")] = None,
    out: Annotated[Path | None, typer.Option(help="write the draft here instead of printing it")] = None,
    project_dir: ProjectOption = None,
) -> None:
    """Draft a mapping from the extract's header and values, with confidence comments and TODOs; the draft
    is linted and what is left to fix is listed."""
    contracts = ContractRegistry.load(project_dirs(project_dir).contracts)
    majors = sorted(c.major for c in contracts.contracts if c.id == contract)
    if not majors:
        errors.print(f"no contract '{contract}'", markup=False)
        raise typer.Exit(2)
    target = contracts.resolve(contract, version or majors[-1])
    agency_id = agency or extract.parent.name
    text, _ = suggest_mapping(extract, target, agency_id)
    findings = draft_findings(text, contracts, agency_id, target)
    todos = text.count("TODO:")
    text += f"# lint: {len(findings)} problem(s); {todos} TODO(s) to review\n"
    text += "".join(f"#   {f}\n" for f in findings)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}", highlight=False)
    else:
        typer.echo(text, nl=False)
    errors.print(f"draft: {len(findings)} lint problem(s), {todos} TODO(s)", markup=False, highlight=False)
