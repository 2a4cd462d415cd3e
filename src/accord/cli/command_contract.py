"""``accord contract lint | diff | docs | import | export``."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from accord.cli.console import console, errors, report_findings
from accord.contracts import Contract, ContractRegistry, lint_contract, load_contract
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
    file: Annotated[Path, typer.Argument(help="a Table Schema, a JSON Schema or a Data Package (JSON or YAML)")],
    source: Annotated[str, typer.Option("--from", help="the schema's standard: tableschema, jsonschema or "
                                                       "datapackage")] = "tableschema",
    contract_id: Annotated[str | None, typer.Option("--id", help="contract id (default: the file's name; a data "
                                                                 "package: each resource's name)")] = None,
    version: Annotated[str, typer.Option(help="contract version")] = "1.0.0",
    agency: Annotated[str | None, typer.Option(help="also write mappings/<agency>/<id>.yaml for files that "
                                                    "follow the schema as is")] = None,
    project_dir: Annotated[Path, typer.Option(help="folder with contracts/ and mappings/")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="replace existing files")] = False,
) -> None:
    """Write ODCS contracts (and a default mapping) from a published schema; list what was not imported."""
    import re

    from accord.contracts.datapackage import from_datapackage
    from accord.contracts.jsonschema import from_jsonschema
    from accord.contracts.semver import SEMVER
    from accord.contracts.tableschema import CONTRACT_ID, from_tableschema
    from accord.mapping.spec import AGENCY_ID
    from accord.yamlfile import load_yaml

    if source not in ("tableschema", "jsonschema", "datapackage"):
        raise typer.BadParameter("--from must be tableschema, jsonschema or datapackage", param_hint="--from")
    descriptor = load_yaml(file, ContractError).data
    name = contract_id or re.sub(r"[^a-z0-9_]+", "_", file.stem.lower()).strip("_")
    # each becomes part of a path under the project: never '..', '/' or anything but a plain name
    for value, rule, hint in ((name, CONTRACT_ID, "--id"), (agency or "agency", AGENCY_ID, "--agency"),
                              (version, SEMVER.pattern, "--version")):
        if not re.match(rule, value):
            raise typer.BadParameter(f"{value!r} does not match {rule}", param_hint=hint)
    header = f"# Imported from {file.name} ({source}) by accord contract import.\n"
    options = {"version": version, "agency": agency or "agency"}
    if source == "datapackage":
        package = from_datapackage(descriptor, **options)
        contracts, mapping, not_imported = package.contracts, package.mapping, package.not_imported
        mapping_name = str(mapping["delivery"]["pattern"]).removesuffix("-*.zip")
    else:
        imported = (from_tableschema(descriptor, contract_id=name, **options) if source == "tableschema" else
                    from_jsonschema(descriptor, contract_id=name, resolve=_schema_folder(file), **options))
        contracts, mapping, not_imported = {name: imported.contract}, imported.mapping, imported.not_imported
        mapping_name = name
    for contract_name, contract in contracts.items():
        target = project_dir / "contracts" / contract_name / f"{version}.yaml"
        _write_new(target, header + _yaml(contract), force)
        _load(target)  # what was written is a valid contract
    if agency:
        _write_new(project_dir / "mappings" / agency / f"{mapping_name}.yaml", header + _yaml(mapping), force)
    declared = [item for item in not_imported if " read as " in item]  # the standard's own declarations, kept
    for item in not_imported:
        label = "from the standard" if item in declared else "not imported"
        console.print(f"{label}: {item}", markup=False, highlight=False)
    fields = sum(len(c["schema"][0]["properties"]) for c in contracts.values())
    read = f", {len(declared)} read from the standard's own declarations" if declared else ""
    console.print(f"{len(contracts)} contract(s), {fields} fields imported, {len(not_imported) - len(declared)} "
                  f"item(s) not imported{read}", highlight=False)


def _yaml(data: dict[str, object]) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)


def _schema_folder(file: Path) -> Callable[[str], dict[str, Any]]:
    """How a JSON Schema's ``$ref`` to a sibling file (``phone.json``) is read: a plain file name in the schema's
    own folder, never a path out of it or a URL."""
    from accord.yamlfile import load_yaml

    def resolve(ref: str) -> dict[str, Any]:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+\.(json|ya?ml)", ref) or ref.startswith("."):
            raise ValueError("only a schema file beside this one is read")
        data = load_yaml(file.parent / ref, ContractError).data
        if not isinstance(data, dict):
            raise ValueError("not a JSON Schema object")
        return data

    return resolve


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


@app.command("propose")
def propose(
    file: Annotated[Path, typer.Argument(help="the proposed contract version (a contract file)")],
    data_dir: Annotated[str | None, typer.Option(help="data directory whose archive holds the agencies' extracts "
                                                      "(default $ACCORD_DATA_DIR or ./data)")] = None,
    project_dir: Annotated[Path, typer.Option(help="folder with contracts/ and mappings/")] = Path("."),
    report: Annotated[Path | None, typer.Option(help="write impact.html, impact.fr.html and impact.json "
                                                     "here")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    extracts: Annotated[int, typer.Option(min=1, max=20, help="latest archived extracts measured per agency")] = 1,
) -> None:
    """What the proposed version would cost each agency mapping onto its contract: the mapping's lint against
    it, required fields it does not fill, and what its latest archived extracts would become. Exit 0: no agency
    is affected; 1: some are. Reads the archive; writes nothing but the report."""
    from accord.governance.impact import bump_shortfall, measure_impact
    from accord.governance.report import write_impact_pages
    from accord.settings import data_dirs, project_dirs

    proposed = _load(file)
    dirs = project_dirs(project_dir)
    data = data_dirs(data_dir)
    registry = ContractRegistry.load(dirs.contracts)
    short = bump_shortfall(proposed, registry)
    if short is not None:
        errors.print(f"{file}: {short.contract} {short.old_version} -> {short.new_version} is a {short.actual_bump} "
                     f"bump, and its changes need a {short.required_bump} one (accord contract diff lists them): "
                     "give the proposal a version that says so", markup=False, highlight=False)
        raise typer.Exit(2)
    archived = not data.is_local or data.archive.is_dir()  # no data directory yet: the mappings only
    impact = measure_impact(proposed, registry, dirs.mappings, data if archived else None, extracts=extracts)
    if as_json:
        typer.echo(json.dumps(impact.to_json(), indent=2, ensure_ascii=False))
    else:
        for agency in impact.agencies:
            moved = sum(e.to_quarantine for e in agency.extracts)
            back = sum(e.to_published for e in agency.extracts)
            state = "affected" if agency.impacted else "not affected"
            console.print(f"{agency.agency}: {state}: {len(agency.findings)} lint finding(s), unfilled required: "
                          f"{', '.join(agency.unfilled) or 'none'}, {moved} record(s) to quarantine, {back} back "
                          f"to published", markup=False, highlight=False)
            for finding in agency.findings:
                console.print(f"  {finding}", markup=False, highlight=False)
    if report is not None:
        for written in write_impact_pages(impact, report):
            console.print(f"wrote {written}", highlight=False)
    if archived:  # the portal shows each agency its part, the operators the whole report
        from accord.governance.lifecycle import proposed as record_proposed
        from accord.intake.landing import store_for

        record_proposed(impact, data, store_for(data), _actor(None))
    raise typer.Exit(1 if impact.impacted else 0)


def _actor(actor: str | None) -> str:
    import getpass

    return actor or os.environ.get("ACCORD_OPERATOR") or getpass.getuser()


@app.command("publish")
def publish_version(
    contract_id: Annotated[str, typer.Argument(help="contract id, e.g. person")],
    version: Annotated[str, typer.Argument(help="the proposed version to publish, e.g. 2.0.0")],
    sunset: Annotated[str | None, typer.Option(help="ISO date after which the older majors are no longer "
                                                     "produced")] = None,
    actor: Annotated[str | None, typer.Option(help="who publishes, for the audit trail (default "
                                                    "$ACCORD_OPERATOR or the login name)")] = None,
    data_dir: Annotated[str | None, typer.Option(help="data directory (its database keeps the audit "
                                                       "trail)")] = None,
    project_dir: Annotated[Path, typer.Option(help="folder with contracts/")] = Path("."),
    yes: Annotated[bool, typer.Option("--yes", help="accept the measured impact without being asked")] = False,
) -> None:
    """Publish a proposed contract version beside the older majors, which become deprecated until --sunset
    (an operator's action; doing it again changes nothing). When agencies would lose records at the sunset (the
    impact saved by accord contract propose), it prints them and asks first (--yes: accepted); the audit trail
    records the impact accepted."""
    from accord.governance.lifecycle import accepted_impact, publish
    from accord.intake.landing import store_for
    from accord.settings import data_dirs, project_dirs

    dirs = data_dirs(data_dir).create()
    impact = accepted_impact(dirs, contract_id, version)
    if sunset is not None and impact.losing:
        console.print(f"publishing {contract_id} {version} with a sunset on {sunset} for the older majors; measured "
                      f"by accord contract propose on {impact.measured_at or 'an unknown date'}:", markup=False,
                      highlight=False)
        for line in impact.lines():
            console.print(f"  {line}", markup=False, highlight=False)
        if not yes and not typer.confirm("agencies that do not migrate by the sunset lose these records: publish?",
                                         default=False):
            errors.print("not published", markup=False, highlight=False)
            raise typer.Exit(1)
    try:
        steps = publish(project_dirs(project_dir).contracts, contract_id, version, store_for(dirs), _actor(actor),
                        sunset, impact=impact.summary() if sunset is not None else "")
    except (ContractError, ValueError) as exc:
        errors.print(exc.describe() if isinstance(exc, ContractError) else f"--sunset: {exc}", markup=False)
        raise typer.Exit(2) from None
    for step in steps:
        console.print(f"{step.contract} {step.version}: {step.action}" + ("" if step.done else " (already)"),
                      markup=False, highlight=False)


@app.command("backfill")
def backfill_major(
    contract_id: Annotated[str, typer.Argument(help="contract id, e.g. person")],
    major: Annotated[int, typer.Option("--major", help="the new major to fill, e.g. 2")],
    data_dir: Annotated[str | None, typer.Option(help="data directory (its archive holds the extracts)")] = None,
    project_dir: Annotated[Path, typer.Option(help="folder with contracts/ and mappings/")] = Path("."),
) -> None:
    """Process each migrated agency's archived extracts of the older majors onto a new major, then publish, so
    it starts with the population of the old one. Doing it again adds nothing; a killed backfill is finished by
    the next. Exit 0 when every agency's rows are accounted for."""
    from accord.governance.backfill import backfill
    from accord.mapping.loader import scan_mappings
    from accord.publish.pseudonym import load_key
    from accord.settings import data_dirs, project_dirs

    project = project_dirs(project_dir)
    registry = ContractRegistry.load(project.contracts)
    try:
        contract = registry.resolve(contract_id, major)
    except ContractError as exc:
        errors.print(exc.describe(), markup=False)
        raise typer.Exit(2) from None
    if contract.status not in ("active", "deprecated"):
        errors.print(f"{contract.label} is {contract.status}: only a published major is backfilled "
                     f"(accord contract publish {contract.id} {contract.version})", markup=False, highlight=False)
        raise typer.Exit(2)
    scan = scan_mappings(project.mappings, registry)
    done = backfill(scan.mappings, contract, data_dirs(data_dir).create(), load_key())
    if not done:
        console.print(f"no agency's mapping feeds {contract.label} yet (accord mapping upgrade --to-contract "
                      f"{contract.id}/{contract.major})", markup=False, highlight=False)
    for result in done:
        console.print(f"{result.agency}: {len(result.added)} extract(s) added, {result.already} already there, "
                      f"{result.processed} processed: {result.rows_in} row(s) in, {result.rows_published} published, "
                      f"{result.rows_quarantined} quarantined, {result.rows_filtered} filtered"
                      + ("" if result.balanced else " (NOT BALANCED)"), markup=False, highlight=False)
    if not all(r.balanced for r in done):
        raise typer.Exit(1)


@app.command("retire")
def retire_major(
    contract_id: Annotated[str, typer.Argument(help="contract id, e.g. person")],
    major: Annotated[int, typer.Argument(help="the major version to retire, e.g. 1")],
    actor: Annotated[str | None, typer.Option(help="who retires it, for the audit trail")] = None,
    data_dir: Annotated[str | None, typer.Option(help="data directory (its manifest is marked retired)")] = None,
    project_dir: Annotated[Path, typer.Option(help="folder with contracts/")] = Path("."),
) -> None:
    """Retire a deprecated major: no longer produced; its published tables stay readable, marked retired."""
    from accord.governance.lifecycle import retire
    from accord.intake.landing import store_for
    from accord.settings import data_dirs, project_dirs

    dirs = data_dirs(data_dir).create()
    try:
        step = retire(project_dirs(project_dir).contracts, contract_id, major, store_for(dirs), _actor(actor), dirs)
    except ContractError as exc:
        errors.print(exc.describe(), markup=False)
        raise typer.Exit(2) from None
    console.print(f"{step.contract} {step.version}: retired" + ("" if step.done else " (already)"), markup=False,
                  highlight=False)


@app.command("changes")
def list_changes(
    agency: Annotated[str | None, typer.Option(help="one agency (default: every agency with a mapping)")] = None,
    data_dir: Annotated[str | None, typer.Option(help="data directory (its saved impact reports)")] = None,
    project_dir: Annotated[Path, typer.Option(help="folder with contracts/ and mappings/")] = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The migration view: per agency, the contract versions it feeds and the newer ones proposed or published,
    with the deadline and what is left to migrate (from the saved impact report)."""
    from accord.governance.changes import contract_changes, fed_contracts
    from accord.mapping.loader import scan_mappings
    from accord.settings import data_dirs, project_dirs

    project = project_dirs(project_dir)
    registry = ContractRegistry.load(project.contracts)
    scan = scan_mappings(project.mappings, registry)
    mine = [m for m in scan.mappings if agency is None or m.agency == agency]
    ended = [h for h in scan.held if h.kind == "ended" and (agency is None or h.agency == agency)]
    found = contract_changes(registry, mine, data_dirs(data_dir), ended)
    if as_json:
        typer.echo(json.dumps([c.to_json() for c in found], indent=2, ensure_ascii=False, default=str))
        return
    fed = fed_contracts(mine)
    for held in ended:
        fed.setdefault(held.agency, [])
    for name, contracts in sorted(fed.items()):
        stopped = [f"{h.target} ENDED: {h.message}; its files are refused until the mapping migrates"
                   for h in ended if h.agency == name]
        console.print(f"{name} feeds {', '.join(sorted(c.label for c in contracts)) or 'nothing produced today'}"
                      + "".join(f"; {s}" for s in stopped), markup=False, highlight=False)
        for change in (c for c in found if c.impact.get("agency") == name):
            if change.migrated:
                left = f"migrated: its mapping feeds {change.contract} v{change.version}"
            else:
                moved = (f"{change.impact.get('to_quarantine', 0)} of its {change.impact.get('published', 0)} "
                         "published record(s) in its latest file would be quarantined"
                         if change.measured else "not measured (accord contract propose)")
                left = f"to migrate: {moved}, unfilled: {', '.join(change.unfilled) or 'none'}"
            console.print(f"  {change.contract} {change.version} ({change.status}"
                          + (f", deadline {change.deadline}" if change.deadline else "") + f"): {left}",
                          markup=False, highlight=False)
