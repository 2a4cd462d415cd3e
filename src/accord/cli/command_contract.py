"""``accord contract lint | diff | docs | import | export``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from accord.cli.console import console, errors, report_findings
from accord.contracts import Contract, lint_contract, load_contract
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
    from accord.contracts.diff import diff_contracts

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
    from accord.contracts.docs import render  # jinja2, for this command only

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


def _write_new(target: Path, text: str, force: bool) -> None:
    if target.exists() and not force:
        errors.print(f"{target}: already exists (--force replaces it)", markup=False, highlight=False)
        raise typer.Exit(2)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    console.print(f"wrote {target}", highlight=False)


@app.command("import")
def import_schema(
    file: Annotated[Path, typer.Argument(help="a Table Schema or a JSON Schema (JSON or YAML)")],
    source: Annotated[str, typer.Option("--from", help="the schema's standard: tableschema or jsonschema")
                      ] = "tableschema",
    contract_id: Annotated[str | None, typer.Option("--id", help="contract id (default: the file's name)")] = None,
    version: Annotated[str, typer.Option(help="contract version")] = "1.0.0",
    agency: Annotated[str | None, typer.Option(help="also write mappings/<agency>/<id>.yaml for files that "
                                                    "follow the schema as is")] = None,
    project_dir: Annotated[Path, typer.Option(help="folder with contracts/ and mappings/")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="replace existing files")] = False,
) -> None:
    """Write an ODCS contract (and a default mapping) from a published schema; list what was not imported."""
    import re

    import yaml

    from accord.contracts.jsonschema import from_jsonschema
    from accord.contracts.semver import SEMVER
    from accord.contracts.tableschema import CONTRACT_ID, from_tableschema
    from accord.mapping.spec import AGENCY_ID
    from accord.yamlfile import load_yaml

    readers = {"tableschema": from_tableschema, "jsonschema": from_jsonschema}
    if source not in readers:
        raise typer.BadParameter("--from must be tableschema or jsonschema", param_hint="--from")
    descriptor = load_yaml(file, ContractError).data
    name = contract_id or re.sub(r"[^a-z0-9_]+", "_", file.stem.lower()).strip("_")
    # each becomes part of a path under the project: never '..', '/' or anything but a plain name
    for value, rule, hint in ((name, CONTRACT_ID, "--id"), (agency or "agency", AGENCY_ID, "--agency"),
                              (version, SEMVER.pattern, "--version")):
        if not re.match(rule, value):
            raise typer.BadParameter(f"{value!r} does not match {rule}", param_hint=hint)
    imported = readers[source](descriptor, contract_id=name, version=version, agency=agency or "agency")

    def dump(data: dict[str, object]) -> str:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)

    header = f"# Imported from {file.name} ({source}) by accord contract import.\n"
    target = project_dir / "contracts" / name / f"{version}.yaml"
    _write_new(target, header + dump(imported.contract), force)
    _load(target)  # what was written is a valid contract
    if agency:
        _write_new(project_dir / "mappings" / agency / f"{name}.yaml",
                   header + dump(imported.mapping), force)
    for item in imported.not_imported:
        console.print(f"not imported: {item}", markup=False, highlight=False)
    console.print(f"{len(imported.contract['schema'][0]['properties'])} fields imported, "
                  f"{len(imported.not_imported)} item(s) not imported", highlight=False)


@app.command("export")
def export_schema(
    file: Annotated[Path, typer.Argument(help="a contract file")],
    to: Annotated[str, typer.Option("--to", help="tableschema, jsonschema or sql")] = "tableschema",
    dialect: Annotated[str, typer.Option(help="SQL dialect: postgresql or duckdb")] = "postgresql",
) -> None:
    """Print the contract as a Table Schema or a JSON Schema (JSON), or as the SQL DDL of its integrated
    dataset."""
    from accord.contracts.jsonschema import to_jsonschema
    from accord.contracts.sql import DIALECTS, to_sql
    from accord.contracts.tableschema import to_tableschema

    contract = _load(file)
    writers = {"tableschema": to_tableschema, "jsonschema": to_jsonschema}
    if to in writers:
        typer.echo(json.dumps(writers[to](contract), indent=2, ensure_ascii=False, default=str))
    elif to == "sql":
        if dialect not in DIALECTS:
            raise typer.BadParameter(f"--dialect must be one of {', '.join(DIALECTS)}", param_hint="--dialect")
        typer.echo(to_sql(contract, dialect), nl=False)
    else:
        raise typer.BadParameter("--to must be tableschema, jsonschema or sql", param_hint="--to")
