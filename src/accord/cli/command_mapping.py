"""``accord mapping lint | suggest | upgrade``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli.console import console, errors, plain, report_findings
from accord.contracts import ContractRegistry
from accord.errors import AccordError
from accord.findings import Finding
from accord.mapping.draft_view import draft
from accord.mapping.lint import draft_path, lint_mapping
from accord.mapping.suggest import default_major
from accord.settings import project_dirs

app = typer.Typer(help="Work with agency mapping files.", no_args_is_help=True)

ProjectOption = Annotated[Path | None, typer.Option(help="folder with contracts/ (default: current folder)")]


@app.command("lint")
def lint(
    paths: Annotated[list[Path], typer.Argument(help="mapping files, or mappings/ folders")],
    sample: Annotated[Path | None, typer.Option(help="also check the mapping against the first 1,000 rows of "
                                                     "this extract", exists=True, dir_okay=False)] = None,
    lang: Annotated[str, typer.Option(help="language of the messages: en or fr")] = "en",
    project_dir: ProjectOption = None,
) -> None:
    """Check mappings against their contracts (and a sample extract): file:line:column: message (hint); exit 1
    on any error."""
    from accord.mapping.lint_fr import in_language
    from accord.mapping.sample_lint import sample_findings

    contracts = ContractRegistry.load(project_dirs(project_dir).contracts)
    files = [f for p in paths for f in (sorted(p.glob("*/*.yaml")) if p.is_dir() else [p])]
    def lint(file: Path) -> list[Finding]:
        found = sample_findings(file, contracts, sample) if sample else lint_mapping(file, contracts)
        return [in_language(f, lang) for f in found]

    if report_findings(files, lint, "mapping", lang):
        raise typer.Exit(1)


@app.command("suggest")
def suggest(
    extract: Annotated[Path, typer.Argument(help="a sample extract", exists=True, dir_okay=False)],
    contract: Annotated[str, typer.Option(help="contract id, e.g. person (a zip delivery: one or more, "
                                               "person,benefit_payment)")],
    version: Annotated[int | None, typer.Option(
        help="contract major version (default: the one the other agencies' mappings use, else the latest "
             "active one)")] = None,
    agency: Annotated[str | None, typer.Option(
        help="agency id (default: the extract's folder name, when mappings/ has a folder of that name)")] = None,
    out: Annotated[Path | None, typer.Option(help="write the draft here instead of printing it")] = None,
    project_dir: ProjectOption = None,
) -> None:
    """Draft a mapping from the extract's header and values, with confidence comments and TODOs; the draft
    is linted and what is left to fix is listed. From a zip delivery: a delivery mapping, each contract drafted
    from the file of the zip that fits it best."""
    from accord.readers.kinds import kind_of

    dirs = project_dirs(project_dir)
    contracts = ContractRegistry.load(dirs.contracts)
    wanted = [c.strip() for c in contract.split(",") if c.strip()]
    unknown = [c for c in wanted if not any(k.id == c for k in contracts.contracts)]
    delivery = kind_of(extract) == "zip"  # a workbook is a zip too, but not a delivery
    if unknown or not wanted or (len(wanted) > 1 and not delivery):
        errors.print(f"no contract '{', '.join(unknown)}'" if unknown else "give one contract (several for a zip "
                     "delivery)", markup=False)
        raise typer.Exit(2)
    agency_id = agency or extract.parent.name
    if agency is None and not (dirs.mappings / agency_id).is_dir():
        errors.print(f"give --agency: the extract's folder '{agency_id}' is not an agency of {dirs.mappings}",
                     markup=False)
        raise typer.Exit(2)
    targets = [contracts.resolve(c, version or default_major(contracts, dirs.mappings, c)) for c in wanted]
    try:
        if delivery:
            from accord.mapping.suggest import draft_findings
            from accord.mapping.suggest_delivery import suggest_delivery

            text = suggest_delivery(extract, targets, agency_id)
            findings = draft_findings(text, contracts, agency_id, targets[0])
            text += f"# lint: {len(findings)} problem(s); {text.count('TODO:')} TODO(s) to review\n"
            text += "".join(f"#   {f}\n" for f in findings)
        else:
            text, findings = draft(extract, targets[0], contracts, agency_id)
    except AccordError as exc:  # the sample cannot be read
        errors.print(plain(exc.describe()))
        raise typer.Exit(2) from None
    todos = text.count("TODO:")
    if out is not None:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}", highlight=False)
    else:
        typer.echo(text, nl=False)
    errors.print(f"draft: {len(findings)} lint problem(s), {todos} TODO(s)", markup=False, highlight=False)


@app.command("upgrade")
def upgrade(
    paths: Annotated[list[Path], typer.Argument(help="version 1 mapping files, or mappings/ folders")],
    write: Annotated[bool, typer.Option(help="replace each file (default: print the version 2 text)")] = False,
    to_contract: Annotated[str | None, typer.Option(
        "--to-contract", help="draft a target for this contract major beside the old one, e.g. person/2")] = None,
    replace: Annotated[bool, typer.Option(help="with --to-contract: drop the old major's target")] = False,
    project_dir: ProjectOption = None,
) -> None:
    """Rewrite version 1 mappings as version 2 (one target; the steps in version 1's order, so the output is
    the same); the result is linted before anything is written. With --to-contract, draft the mapping for a
    new major of a contract from the contract diff, with a TODO for what the diff cannot decide."""
    if to_contract is not None:
        _to_contract(paths, to_contract, write, replace, project_dir)
        return
    from accord.errors import MappingError
    from accord.mapping.spec_v1 import upgraded_text
    from accord.yamlfile import load_yaml

    contracts = ContractRegistry.load(project_dirs(project_dir).contracts)
    files = [f for p in paths for f in (sorted(p.glob("*/*.yaml")) if p.is_dir() else [p])]
    failed = False
    for file in files:
        try:
            doc = load_yaml(file, MappingError)
        except MappingError as exc:
            errors.print(str(exc), markup=False)
            failed = True
            continue
        if not isinstance(doc.data, dict) or doc.data.get("mapping_version", 1) != 1:
            console.print(f"{file}: already version {doc.data.get('mapping_version')}" if isinstance(doc.data, dict)
                          else f"{file}: not a mapping", markup=False, highlight=False)
            continue
        text = upgraded_text(file.read_text(encoding="utf-8"), doc.data)
        findings = _draft_lint(text, file, contracts)
        if findings:
            errors.print(f"{file}: the upgraded text does not lint: {findings[0]}", markup=False)
            failed = True
        elif write:
            file.write_text(text, encoding="utf-8")
            console.print(f"upgraded {file}", markup=False, highlight=False)
        else:
            typer.echo(text, nl=False)
    if failed:
        raise typer.Exit(1)


def _to_contract(paths: list[Path], to_contract: str, write: bool, replace: bool, project_dir: Path | None) -> None:
    from accord.errors import ContractError, MappingError
    from accord.governance.migrate import draft_migration
    from accord.yamlfile import load_yaml

    contract_id, _, major = to_contract.partition("/")
    contracts = ContractRegistry.load(project_dirs(project_dir).contracts)
    try:
        new = contracts.resolve(contract_id, int(major.removeprefix("v")))
    except (ContractError, ValueError) as exc:
        raise typer.BadParameter(f"{to_contract}: {exc}", param_hint="--to-contract") from None
    unfinished = False
    for file in [f for p in paths for f in (sorted(p.glob("*/*.yaml")) if p.is_dir() else [p])]:
        doc = load_yaml(file, MappingError)
        data = doc.data if isinstance(doc.data, dict) else {}
        olds = [t for t in (data.get("targets") or [data]) if isinstance(t, dict) and t.get("contract") == new.id
                and isinstance(t.get("contract_version"), int) and t["contract_version"] < new.major]
        if not olds:
            console.print(f"{file}: no target of an older major of {new.id}", markup=False, highlight=False)
            continue
        old = contracts.resolve(new.id, olds[0]["contract_version"])
        migration = draft_migration(file.read_text("utf-8"), data, old, new, replace=replace)
        if not write:
            typer.echo(migration.text, nl=False)
            continue
        problems = [f for f in _draft_lint(migration.text, file, contracts) if f.severity == "error"]
        if not problems and not migration.todos:
            file.write_text(migration.text, encoding="utf-8")
            console.print(f"upgraded {file} to {new.label}: 0 TODO(s)", markup=False, highlight=False)
            continue
        # never an unfinished mapping where the pipeline reads it: a draft beside it, for the agency to finish
        draft_file = draft_path(file)
        draft_file.write_text(migration.text, encoding="utf-8")
        errors.print(f"{file} is unchanged: the migration to {new.label} has {len(migration.todos)} TODO(s) and "
                     f"{len(problems)} lint error(s); wrote the draft {draft_file}", markup=False, highlight=False)
        for todo in migration.todos:
            errors.print(f"  TODO: {todo}", markup=False, highlight=False)
        for problem in problems:
            errors.print(f"  {problem}", markup=False, highlight=False)
        errors.print(f"finish it, check it with `accord mapping lint {draft_file}`, then rename it to {file.name}",
                     markup=False, highlight=False)
        unfinished = True
    if unfinished:
        raise typer.Exit(1)


def _draft_lint(text: str, file: Path, contracts: ContractRegistry) -> list[Finding]:
    """Lint ``text`` as if it were ``file`` (same agency folder, same neighbours such as code files), from a
    draft file the pipeline never reads."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".yaml.draft", dir=file.parent, delete=False, encoding="utf-8") as tmp:
        tmp.write(text)
    try:
        return list(lint_mapping(Path(tmp.name), contracts, instead_of=file))
    finally:
        Path(tmp.name).unlink()
