"""``accord contract lint | diff | docs``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from accord.cli.console import console, errors, report_findings
from accord.contracts import Contract, lint_contract, load_contract
from accord.contracts.diff import diff_contracts
from accord.contracts.docs import render
from accord.errors import ContractError

app = typer.Typer(help="Work with data contracts.", no_args_is_help=True)


def _contract_files(paths: list[Path]) -> list[Path]:
    return [f for p in paths for f in (sorted(p.glob("*/*.yaml")) if p.is_dir() else [p])]


@app.command("lint")
def lint(paths: Annotated[list[Path], typer.Argument(help="contract files, or contracts/ folders")]) -> None:
    """Report every problem in the given contracts (file:line: path: message); exit 1 on any error."""
    if report_findings(_contract_files(paths), lint_contract, "contract"):
        raise typer.Exit(1)


def _load(file: Path) -> Contract:
    try:
        return load_contract(file)
    except ContractError as exc:
        errors.print(exc.describe(), markup=False, highlight=False)
        raise typer.Exit(2) from None


@app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="the current contract file")],
    new: Annotated[Path, typer.Argument(help="the proposed contract file")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Classify every change breaking or not and check the version bump; exit 1 when the bump is too small."""
    result = diff_contracts(_load(old), _load(new))
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
    else:
        console.print(f"{result.contract} {result.old_version} -> {result.new_version}", highlight=False)
        for change in result.changes:
            label = "[red]BREAKING[/]" if change.breaking else f"{change.bump:8}"
            console.print(f"  {label}  {change.kind:24} {change.message}", highlight=False)
        verdict = "[green]ok[/]" if result.ok else "[red]NOT ENOUGH[/]"
        console.print(f"version bump: {result.actual_bump} (required: {result.required_bump}) {verdict}",
                      highlight=False)
    if not result.ok:
        raise typer.Exit(1)


@app.command("docs")
def docs(
    paths: Annotated[list[Path], typer.Argument(help="contract files, or contracts/ folders")],
    out: Annotated[Path, typer.Option(help="output folder")] = Path("data/reports/contracts"),
    fmt: Annotated[str, typer.Option("--format", help="md, html or both")] = "both",
) -> None:
    """Render contracts as pages for agencies: fields, types, rules, codes and examples, in EN and FR."""
    formats = ["md", "html"] if fmt == "both" else [fmt]
    if any(f not in ("md", "html") for f in formats):
        raise typer.BadParameter("--format must be md, html or both")
    out.mkdir(parents=True, exist_ok=True)
    for file in _contract_files(paths):
        contract = load_contract(file)
        for f in formats:
            target = out / f"{contract.id}-{contract.version}.{f}"
            target.write_text(render(contract, f), encoding="utf-8")
            console.print(f"wrote {target}", highlight=False)
