"""``accord agency token create | list | revoke``: the tokens agencies (and operators) sign in to the portal and
the API with. A token is printed once, when created; accord keeps only its hash."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from accord.cli.console import console, errors, plain
from accord.errors import AccordError
from accord.settings import data_dirs

if TYPE_CHECKING:
    from accord.access import TokenStore

app = typer.Typer(help="Agencies' access to the portal and the API.", no_args_is_help=True)
token_app = typer.Typer(help="Create, list and revoke access tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")

DataDir = Annotated[str | None, typer.Option(help="data directory (default $ACCORD_DATA_DIR or ./data)")]


def _store(data_dir: str | None) -> TokenStore:
    from accord.access import TokenStore  # SQLAlchemy loads here, not with every command

    return TokenStore.of(data_dirs(data_dir).create())


@token_app.command("create")
def create(
    agency: Annotated[str | None, typer.Argument(help="agency id, e.g. rrn (omit with --operator)")] = None,
    label: Annotated[str, typer.Option(help="what the token is for, e.g. \"monthly job\"")] = "",
    operator: Annotated[bool, typer.Option("--operator", help="an operator token: sees every agency")] = False,
    data_dir: DataDir = None,
) -> None:
    """Print a new token (the only time it is shown: store it in a secret manager)."""
    if (agency is None) == (not operator):
        raise typer.BadParameter("give an agency id, or --operator (not both)")
    from accord.access import OPERATOR

    try:
        token = _store(data_dir).create(OPERATOR if operator else str(agency), label)
    except AccordError as exc:
        errors.print(plain(exc.describe()))
        raise typer.Exit(2) from None
    typer.echo(token)


@token_app.command("list")
def list_tokens(
    agency: Annotated[str | None, typer.Argument(help="only this agency's tokens")] = None,
    data_dir: DataDir = None,
) -> None:
    """Every token: id, agency (* for operators), label, dates (never the secret)."""
    table = Table("id", "agency", "label", "created", "last used", "revoked")
    for t in _store(data_dir).list(agency):
        table.add_row(t.token_id, t.agency, plain(t.label), t.created_at, t.last_used_at or "", t.revoked_at or "")
    console.print(table)


@token_app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="the token's id (second part of acc_<id>_...)")],
           data_dir: DataDir = None) -> None:
    """Revoke a token: its API calls and browser sessions stop working at once."""
    if not _store(data_dir).revoke(token_id):
        errors.print(plain(f"no active token with id {token_id!r}"))
        raise typer.Exit(1)
    console.print(plain(f"token {token_id} revoked"))
