"""``accord serve``: the agency portal (pages and HTTP API) with uvicorn, on the embedded defaults (the local data
directory, SQLite) unless ``$ACCORD_DATA_DIR`` / ``$ACCORD_DATABASE_URL`` say otherwise. The first start prints
an operator token. ``--daemon`` also runs the Dagster daemon, whose landing sensor picks up what is sent (leave it
off when ``make dev`` or a deployed Dagster already runs one)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from accord.cli.console import console
from accord.links import PORTAL_URL_ENV
from accord.process_group import process_group
from accord.settings import DATA_DIR_ENV, PROJECT_DIR_ENV, data_dirs, project_dirs


def dagster_daemon(project: Path, data_url: str, portal: str) -> contextlib.AbstractContextManager[
        subprocess.Popen[bytes]]:
    """``dagster-daemon run`` on the project's definitions (sensors, run queue), stopped with its children; the
    links its runs record open through this portal (``$ACCORD_PORTAL_URL``, unless already set)."""
    env = {**os.environ, DATA_DIR_ENV: data_url, PROJECT_DIR_ENV: str(project),
           PORTAL_URL_ENV: os.environ.get(PORTAL_URL_ENV) or portal,
           "DAGSTER_HOME": os.environ.get("DAGSTER_HOME") or str(project / "dagster_home")}
    command = [sys.executable, "-m", "dagster._daemon", "run", "-m", "pipelines.definitions", "--log-level", "warning"]
    return process_group(command, project, env, timeout=30)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on (behind a reverse proxy: 127.0.0.1)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    daemon: Annotated[bool, typer.Option("--daemon", help="also run the Dagster daemon (landing sensor, runs)")]
    = False,
    forwarded_allow_ips: Annotated[str | None, typer.Option(
        help="addresses of the reverse proxies whose X-Forwarded-Proto/For headers are trusted (e.g. 127.0.0.1)")]
    = None,
    data_dir: Annotated[str | None, typer.Option(help="data directory (default $ACCORD_DATA_DIR or ./data)")] = None,
    project_dir: Annotated[Path | None, typer.Option(help="folder with contracts/ and mappings/")] = None,
    header_timeout: Annotated[float, typer.Option(help="seconds a client has to send its request headers")]
    = 10.0,
) -> None:
    """Serve the portal until interrupted."""
    import uvicorn

    from accord.access import OPERATOR
    from accord.portal.app import create_app
    from accord.portal.connections import timed_protocol
    from accord.portal.service import Portal

    project, dirs = project_dirs(project_dir), data_dirs(data_dir)
    portal = Portal(project, dirs)
    if not portal.tokens.has_operator():
        token = portal.tokens.create(OPERATOR, "first operator (accord serve)")
        console.print("first operator token (shown once; create agency tokens with "
                      "`accord agency token create <agency>`):", highlight=False)
        typer.echo(token)
    console.print(f"portal on http://{host}:{port} (data {dirs.url})", highlight=False)
    # uvicorn re-raises the SIGTERM it shut down on: as SystemExit here, so the daemon below is stopped too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.ExitStack() as stack:
        if daemon:
            stack.enter_context(dagster_daemon(project.root, dirs.url, f"http://{host}:{port}"))
        # headers complete within --header-timeout, idle keep-alive connections closed after 5 s, bodies that
        # pause past 30 s abandoned (connections.BodyLimit): slow clients cannot hold sockets
        uvicorn.run(create_app(portal), host=host, port=port, log_level="warning", server_header=False,
                    http=timed_protocol(header_timeout), timeout_keep_alive=5,
                    proxy_headers=forwarded_allow_ips is not None, forwarded_allow_ips=forwarded_allow_ips)
