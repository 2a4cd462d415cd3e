"""``accord check EXTRACT --agency A --contract C``: what would happen to this file, before submitting it."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accord.cli.console import console, errors, plain
from accord.contracts import ContractRegistry
from accord.errors import AccordError
from accord.mapping import Mapping, scan_mappings
from accord.reports.check import EXIT_UNREADABLE, check_extract, write_reports
from accord.settings import project_dirs

MAX_SHOWN = 20


def _mapping(project_dir: Path | None, agency: str, contract: str, version: int | None) -> Mapping:
    project = project_dirs(project_dir)
    scan = scan_mappings(project.mappings, ContractRegistry.load(project.contracts))
    if agency in scan.broken:
        raise scan.broken[agency][0]
    candidates = [m for m in scan.mappings if m.agency == agency and m.contract.id == contract
                  and (version is None or m.contract.major == version)]
    if len(candidates) != 1:
        raise AccordError(f"no single mapping for agency '{agency}' and contract '{contract}'"
                          + (f" v{version}" if version else "") + f" under {project.mappings}")
    return candidates[0]


def check(
    extract: Annotated[Path, typer.Argument(help="the file to check", exists=True, dir_okay=False)],
    agency: Annotated[str, typer.Option(help="agency id, e.g. rrn")],
    contract: Annotated[str, typer.Option(help="contract id, e.g. person")],
    version: Annotated[int | None, typer.Option(help="contract major version (when several)")] = None,
    report: Annotated[Path | None, typer.Option(help="write report.html, report.json, errors.csv here")] = None,
    data_docs: Annotated[bool, typer.Option("--data-docs", help="also write Great Expectations Data Docs in "
                                                                "REPORT/data_docs (slower)")] = False,
    lang: Annotated[str, typer.Option(help="language of the terminal output: en or fr")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print nothing; use the exit code")] = False,
    project_dir: Annotated[Path | None, typer.Option(help="folder with contracts/ and mappings/")] = None,
) -> None:
    """Exit 0: clean; 1: some rows would be quarantined; 2: the file cannot be processed (reason given)."""
    if lang not in ("en", "fr"):
        raise typer.BadParameter("--lang must be en or fr")
    if data_docs and report is None:
        raise typer.BadParameter("--data-docs needs --report DIR (the pages go in DIR/data_docs)")
    try:
        mapping = _mapping(project_dir, agency, contract, version)
    except AccordError as exc:
        errors.print(plain(exc.describe()))
        raise typer.Exit(EXIT_UNREADABLE) from None
    with console.status(f"checking {extract.name}…" if lang == "en" else f"vérification de {extract.name}…"):
        result, table = check_extract(extract, mapping, report / "data_docs" if report and data_docs else None)
    if report is not None:
        paths = write_reports(result, table, report)
    if as_json:
        typer.echo(json.dumps(asdict(result), indent=2, ensure_ascii=False, default=str))
    elif not quiet:
        console.print(plain(result.summary(lang)), highlight=False)
        for warning in result.warnings(lang):
            console.print(plain(("warning: " if lang == "en" else "avertissement : ") + warning), highlight=False)
        if result.errors:
            shown = Table("row" if lang == "en" else "ligne", "column" if lang == "en" else "colonne",
                          "rule" if lang == "en" else "règle", "message")
            for e in result.errors[:MAX_SHOWN]:
                shown.add_row(str(e["source_row"]), plain(e["source_column"] or ""), plain(e["rule"]),
                              plain(e["message_en"] if lang == "en" else e["message_fr"]))
            console.print(shown)
            if result.problems > MAX_SHOWN:
                console.print(f"… {result.problems - MAX_SHOWN} more", highlight=False)
        if report is not None:
            console.print(plain(f"report: {paths['html_' + lang]}"), highlight=False)
    raise typer.Exit(result.exit_code)
