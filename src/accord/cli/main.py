"""Entry point: ``accord run | check | contract ... | mapping ...``."""

from __future__ import annotations

import sys

import typer

from accord.cli import (
    command_agency,
    command_check,
    command_contract,
    command_identity,
    command_mapping,
    command_publish,
    command_run,
    command_serve,
)
from accord.cli.console import errors, plain

EXIT_INTERNAL = 3  # accord itself failed (0, 1, 2 are each command's answers: see its --help)

app = typer.Typer(help="accord: harmonise agency extracts onto shared data contracts.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
app.command("run")(command_run.run)
app.command("check")(command_check.check)
app.command("serve")(command_serve.serve)
app.add_typer(command_contract.app, name="contract")
app.add_typer(command_mapping.app, name="mapping")
app.add_typer(command_publish.app, name="publish")
app.add_typer(command_agency.app, name="agency")
app.add_typer(command_identity.app, name="identity")


def main() -> None:
    """Run the command line; an unexpected error exits with ``EXIT_INTERNAL``, never with a command's answer
    (usage errors and answers exit through typer, as ``SystemExit``)."""
    try:
        app()
    except Exception as exc:
        errors.print(plain(f"internal error: {type(exc).__name__}: {exc}"))
        sys.exit(EXIT_INTERNAL)
