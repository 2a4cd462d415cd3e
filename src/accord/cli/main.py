"""Entry point: ``accord run | check | contract ... | mapping ...``."""

from __future__ import annotations

import typer

from accord.cli import command_check, command_contract, command_mapping, command_run

app = typer.Typer(help="accord: harmonise agency extracts onto shared data contracts.", no_args_is_help=True,
                  add_completion=False)
app.command("run")(command_run.run)
app.command("check")(command_check.check)
app.add_typer(command_contract.app, name="contract")
app.add_typer(command_mapping.app, name="mapping")


def main() -> None:
    app()
