"""``accord publish integrate``: bring the integrated tables up to the agencies tables (only the key ranges that
changed, or everything with ``--rebuild``); ``accord publish vacuum``: remove the files of published table
versions older than a retention period."""

from __future__ import annotations

from typing import Annotated

import typer

from accord.cli.console import console, plain
from accord.contracts import ContractRegistry
from accord.settings import data_dirs, project_dirs

app = typer.Typer(help="Work with the published Delta tables.", no_args_is_help=True)


@app.command("integrate")
def integrate_tables(
    contract_id: Annotated[str | None, typer.Option("--contract", help="one contract id (default: every one)")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="re-write every key range, not only the changed ones "
                                                           "(same rows, a new version)")] = False,
    data_dir: Annotated[str | None, typer.Option(help="data directory (default $ACCORD_DATA_DIR or ./data)")] = None,
    project_dir: Annotated[str | None, typer.Option(help="folder with contracts/")] = None,
) -> None:
    """Integrate each contract version whose agencies table exists: one record per primary key."""
    from accord.integrate import integrate
    from accord.publish.pseudonym import load_key
    from accord.publish.tables import AGENCIES, Table

    dirs, key = data_dirs(data_dir), load_key()
    for contract in ContractRegistry.load(project_dirs(project_dir).contracts).contracts:
        if contract_id not in (None, contract.id) or Table(dirs, contract, AGENCIES).version() is None:
            continue
        result = integrate(contract, dirs, key, rebuild=rebuild)
        console.print(plain(f"{contract.label} integrated: version {result.version}, {result.rows} rows "
                            f"({result.merged_records} merged); files: {result.files_written} written, "
                            f"{result.files_replaced} replaced, {result.files_kept} kept"), highlight=False)
        for found in result.foreign_keys:
            agencies = ", ".join(f"{a} {n}" for a, n in found.by_agency.items())
            kept_out = " (kept out of the dataset)" if found.on_orphan == "quarantine" and found.rows else ""
            console.print(plain(f"  {found.column} -> {found.references}: {found.rows} orphan(s){kept_out}"
                                + (f": {agencies}" if agencies else "")), highlight=False)


@app.command("vacuum")
def vacuum_tables(
    retention_hours: Annotated[int, typer.Option(min=0, help="keep every version newer than this (time travel "
                                                            "reaches back this far)")] = 168,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="list what would be removed")] = False,
    data_dir: Annotated[str | None, typer.Option(help="data directory (default $ACCORD_DATA_DIR or ./data)")] = None,
    project_dir: Annotated[str | None, typer.Option(help="folder with contracts/")] = None,
) -> None:
    """Remove the files no table version newer than the retention period needs. The version the manifest names
    is the newest, so readers that follow it are never affected."""
    from accord.agency import publication_lock  # Delta and the record store load here, not for every command
    from accord.publish.tables import AGENCIES, INTEGRATED, Table, vacuum

    dirs = data_dirs(data_dir)
    total = 0
    for contract in ContractRegistry.load(project_dirs(project_dir).contracts).contracts:
        for kind in (AGENCIES, INTEGRATED):
            table = Table(dirs, contract, kind)
            if table.version() is None:
                continue
            with publication_lock(dirs, contract):
                removed = vacuum(table, retention_hours, dry_run=dry_run)
            total += len(removed)
            verb = "would remove" if dry_run else "removed"
            console.print(plain(f"{contract.label} {kind}: {verb} {len(removed)} file(s)"), highlight=False)
    console.print(plain(f"{total} file(s) {'to remove' if dry_run else 'removed'}"), highlight=False)
