"""``accord identity``: train a contract's identity model, resolve its published records to entities, and the
stewards' review of the pairs the model is unsure of (docs/identity.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli.console import console, errors, plain
from accord.contracts import ContractRegistry
from accord.errors import AccordError
from accord.settings import data_dirs, project_dirs

app = typer.Typer(help="One citizen, one key: identity resolution across agencies.", no_args_is_help=True)

ContractArg = Annotated[str, typer.Argument(help="contract id, e.g. person")]
MajorOpt = Annotated[int, typer.Option("--major", help="contract major version")]
DataOpt = Annotated[str | None, typer.Option("--data-dir", help="data directory (default $ACCORD_DATA_DIR or ./data)")]
ProjectOpt = Annotated[str | None, typer.Option("--project-dir", help="folder with contracts/")]
LangOpt = Annotated[str, typer.Option("--lang", help="en or fr")]

LABELS = {
    "en": {"pair": "pair", "probability": "match probability", "field": "field", "level": "comparison level",
           "weight": "weight", "prior": "prior (any two records)", "total": "total", "none": "no pair waits for review",
           "decide": "decide: accord identity decide {contract} {left} {right} same|different --steward NAME"},
    "fr": {"pair": "paire", "probability": "probabilité d'appariement", "field": "champ",
           "level": "niveau de comparaison", "weight": "poids", "prior": "a priori (deux fiches quelconques)",
           "total": "total", "none": "aucune paire n'attend d'examen",
           "decide": "décider : accord identity decide {contract} {left} {right} same|different --steward NOM"},
}


def _contract(project_dir: str | None, contract_id: str, major: int):  # type: ignore[no-untyped-def]
    return ContractRegistry.load(project_dirs(project_dir).contracts).resolve(contract_id, major)


@app.command("train")
def train(
    contract_id: ContractArg,
    major: MajorOpt = 1,
    records: Annotated[list[Path] | None, typer.Option(
        "--records", help="Parquet files to train on (the contract's columns and _agency), instead of the "
                          "published population")] = None,
    data_dir: DataOpt = None,
    project_dir: ProjectOpt = None,
) -> None:
    """Estimate the probabilistic model of the contract's identity declaration (Splink: u by random sampling,
    m by expectation maximisation), save it beside the contract, and write its charts."""
    import polars as pl

    from accord.identity.link import Engine
    from accord.identity.model import AGENCY, RECORD
    from accord.identity.normalise import normalised
    from accord.identity.resolve import population
    from accord.identity.tables import record_id
    from accord.identity.train import train_and_save

    contract, dirs = _contract(project_dir, contract_id, major), data_dirs(data_dir)
    try:
        if records:
            frame = pl.concat([pl.read_parquet(f) for f in records], how="diagonal_relaxed")
            declared = contract.identity
            if declared is None or AGENCY not in frame.columns:
                raise AccordError(f"--records needs {AGENCY} and the contract's identifying fields, and the contract "
                                  "an identity declaration")
            frame = normalised(frame.with_columns(record_id(contract)), contract, declared)
            people = frame.drop(contract.primary_key)
        else:
            people = population(dirs, contract).drop(contract.primary_key)
        done = train_and_save(contract, people.drop([c for c in people.columns if c.startswith("_")
                                                     and c not in (AGENCY, RECORD)]), dirs, Engine.duckdb().db_api)
    except AccordError as exc:
        errors.print(plain(str(exc)))
        raise typer.Exit(2) from None
    console.print(plain(f"{contract.label}: model trained on {done.model.records} record(s), saved to {done.path}"),
                  highlight=False)
    for name, uri in done.charts.items():
        console.print(plain(f"  {name.replace('_', ' ')}: {uri}"), highlight=False)


@app.command("resolve")
def resolve(
    contract_id: ContractArg,
    major: MajorOpt = 1,
    full: Annotated[bool, typer.Option("--full", help="link the whole population again, not only what "
                                                      "changed")] = False,
    data_dir: DataOpt = None,
    project_dir: ProjectOpt = None,
) -> None:
    """Resolve the contract's published records to entities and publish the identities table."""
    from accord.identity.resolve import resolve as run
    from accord.publish.pseudonym import load_key

    contract = _contract(project_dir, contract_id, major)
    try:
        result = run(contract, data_dirs(data_dir), load_key(), full=full)
    except AccordError as exc:
        errors.print(plain(str(exc)))
        raise typer.Exit(2) from None
    console.print(plain(summary_line(contract.label, result.stats)), highlight=False)


def summary_line(label: str, stats: dict[str, object]) -> str:
    line = (f"{label} identities: {stats.get('records', 0)} record(s), {stats.get('entities', 0)} entities, "
            f"{stats.get('records_linked', 0)} record(s) linked across or within agencies, "
            f"{stats.get('pairs_for_review', 0)} pair(s) waiting for review")
    empty = stats.get("records_without_identifying_values") or 0
    if empty:
        line += f"; {empty} record(s) without any identifying value, each its own entity"
    return line


@app.command("review")
def review(
    contract_id: ContractArg,
    major: MajorOpt = 1,
    lang: LangOpt = "en",
    limit: Annotated[int, typer.Option("--limit", help="pairs to show")] = 20,
    data_dir: DataOpt = None,
    project_dir: ProjectOpt = None,
) -> None:
    """The pairs waiting for a steward, side by side, with the comparison levels that scored them."""
    from accord.identity.review import pairs_for_review

    contract = _contract(project_dir, contract_id, major)
    words = LABELS.get(lang, LABELS["en"])
    pairs = pairs_for_review(data_dirs(data_dir), contract, limit=limit)
    if not pairs:
        console.print(words["none"])
        return
    for pair in pairs:
        console.print(plain(f"{words['pair']} {pair.left}  <->  {pair.right}   "
                            f"{words['probability']} {pair.probability:.3f}"), highlight=False)
        console.print(plain(f"  {words['prior']}: {pair.prior:+.2f}"), highlight=False)
        for row in pair.rows:
            console.print(plain(f"  {row.field:<24} {row.left_value:<26} {row.right_value:<26}"), highlight=False)
            console.print(plain(f"  {'':<24} {row.weight:+6.2f}  {row.level(lang)}"), highlight=False)
        console.print(plain(f"  {words['decide'].format(contract=contract.id, left=pair.left, right=pair.right)}"),
                      highlight=False)


@app.command("decide")
def decide(
    contract_id: ContractArg,
    left: Annotated[str, typer.Argument(help="a record id (agency/key) from `accord identity review`")],
    right: Annotated[str, typer.Argument(help="the other record id")],
    decision: Annotated[str, typer.Argument(help="same or different")],
    steward: Annotated[str, typer.Option("--steward", help="who decides (recorded)")],
    note: Annotated[str, typer.Option("--note", help="why (recorded)")] = "",
    major: MajorOpt = 1,
    data_dir: DataOpt = None,
    project_dir: ProjectOpt = None,
) -> None:
    """Record a steward's decision on a pair; every later resolution honours it."""
    from accord.identity.review import record_decision

    contract, dirs = _contract(project_dir, contract_id, major), data_dirs(data_dir)
    try:
        record_decision(dirs, contract, left, right, decision, steward, note)
    except AccordError as exc:
        errors.print(plain(str(exc)))
        raise typer.Exit(2) from None
    console.print(plain(f"recorded: {left} and {right} are {decision} ({steward}); it applies from the next "
                        f"resolution (accord identity resolve {contract.id})"), highlight=False)
