"""``accord run``: materialise every asset with Dagster, then print the run summary."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from accord.cli.command_identity import summary_line
from accord.cli.console import console, errors, plain, summary_table
from accord.settings import LANDING, PUBLISHED, QUARANTINE, REPORTS, DataDirs, data_dirs, project_dirs


def seed_samples(project: Path, data: DataDirs) -> int:
    """Copy ``samples/landing/<agency>/*`` into the landing zone (a folder or an object store); return the
    number of files copied."""
    copied = 0
    for file in sorted((project / "samples" / "landing").glob("*/*")):
        if file.is_file():
            data.storage.put_file(file, f"{LANDING}/{file.parent.name}/{file.name}")
            copied += 1
    return copied


def run(
    project_dir: Annotated[Path | None, typer.Option(help="folder with contracts/ and mappings/")] = None,
    data_dir: Annotated[str | None, typer.Option(help="data directory, a folder or s3://bucket/prefix (default "
                                                      "$ACCORD_DATA_DIR or ./data)")] = None,
    samples: Annotated[bool, typer.Option(help="first copy the bundled sample extracts into landing/")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print run-summary.json instead of the table")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print nothing; use the exit code")] = False,
    workers: Annotated[int, typer.Option(help="submissions processed at once, each in its own process",
                                         envvar="ACCORD_WORKERS", min=1)] = 1,
) -> None:
    """Run the pipeline on the landing zone through Dagster (same as materialising all assets in the UI)."""
    project = project_dirs(project_dir)
    data = data_dirs(data_dir).create()
    os.environ.setdefault("DAGSTER_HOME", str(project.root / "dagster_home"))
    say = not (quiet or as_json)
    if samples:
        count = seed_samples(project.root, data)
        if say:
            console.print(f"copied {count} sample extracts into {data.storage.uri(LANDING)}")
    from pipelines.runner import materialize_all  # Dagster only loads here: the engine does not need it

    with Progress(transient=True, console=console, disable=not say or not console.is_terminal) as bar:
        task = bar.add_task("runs", total=None)
        report = materialize_all(project.root, data.url,
                                 lambda done, total, label: bar.update(task, completed=done, total=total,
                                                                       description=label), workers=workers)
    summary_key = f"{REPORTS}/run-summary.json"
    summary = json.loads(data.storage.read_text(summary_key)) if data.storage.exists(summary_key) else None
    if as_json and summary is not None:
        typer.echo(json.dumps(summary, indent=2))
    if not say:
        raise typer.Exit(1 if not report.success or summary is None or not summary["all_balanced"] else 0)
    pickup = report.pickup
    console.print(f"landing zone: {len(pickup.accepted)} new submission(s), {len(pickup.duplicates)} duplicate(s) "
                  f"ignored, {len(pickup.refused)} refused", highlight=False)
    for refused in pickup.refused:
        errors.print(plain(f"  refused {refused.agency}/{refused.file_name}: {refused.detail}"))
    for waiting in pickup.waiting:
        errors.print(plain(f"  waiting {waiting}"))
    if summary is None:
        errors.print("[red]the run produced no summary[/]")
        raise typer.Exit(1)
    for unfinished in summary["unfinished"]:
        errors.print(plain(f"  {unfinished['status']} {unfinished['agency']}/{unfinished['file']}: "
                           f"{unfinished['reason']} {unfinished['detail']}".rstrip()))
    console.print(summary_table(summary["results"]))
    for found in summary.get("identities", []):
        console.print(plain(summary_line(f"{found['contract']} v{found['major']}", found)), highlight=False)
    console.print(f"published   {data.storage.uri(PUBLISHED)}", highlight=False)
    console.print(f"quarantine  {data.storage.uri(QUARANTINE)}", highlight=False)
    docs = data.storage.uri(f"{REPORTS}/data_docs/index.html" if data.is_local else f"{REPORTS}/data_docs")
    console.print(f"data docs   {docs}" + ("" if data.is_local else " (a page per submission)"), highlight=False)
    console.print(f"summary     {data.storage.uri(summary_key)}", highlight=False)
    console.print(f"dagster runs {', '.join(r.run_id[:8] for r in report.runs)} "
                  f"(instance: {os.environ['DAGSTER_HOME']})", highlight=False)
    if not report.success or not summary["all_balanced"]:
        not_accepted = sum(1 for run in report.runs for name, passed in run.checks
                           if name == "file_accepted" and not passed)
        errors.print(f"[red]run failed: {not_accepted} file(s) refused[/] (nothing of them is published; the other "
                     "files are)" if not_accepted else "[red]run failed[/]" if not report.success else
                     "[red]not balanced: a submission is unfinished or its rows do not add up[/]")
        raise typer.Exit(1)
