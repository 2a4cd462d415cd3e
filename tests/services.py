"""Real servers for the tests that need them, started on free ports in temporary folders and stopped after:
PostgreSQL (the machine's ``initdb`` / ``pg_ctl``) and an S3-compatible server (moto's standalone server)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from accord.process_group import process_group

S3_ENV = {"AWS_ACCESS_KEY_ID": "accord-test", "AWS_SECRET_ACCESS_KEY": "accord-test-secret",
          "AWS_REGION": "us-east-1"}


# Debian's Chromium, driven by Playwright (its own browser download is unreachable here)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port} after {seconds} s")


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    @property
    def env(self) -> dict[str, str]:
        return {**S3_ENV, "AWS_ENDPOINT_URL": self.endpoint}

    def bucket(self) -> str:
        """A new, empty bucket; its name."""
        import boto3

        name = f"accord-{uuid.uuid4().hex[:12]}"
        boto3.client("s3", endpoint_url=self.endpoint, **_boto(self.env)).create_bucket(Bucket=name)
        return name


def _boto(env: dict[str, str]) -> dict[str, str]:
    return {"aws_access_key_id": env["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
            "region_name": env["AWS_REGION"]}


@contextlib.contextmanager
def s3_server(log: Path) -> Iterator[S3Server]:
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(port)
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=30)


def _pg_tool(name: str) -> str:
    """A PostgreSQL server program: on PATH, else in Debian's ``/usr/lib/postgresql/<major>/bin`` (newest major),
    where the ``postgresql`` package puts ``initdb`` and ``pg_ctl`` without linking them onto PATH."""
    found = shutil.which(name)
    if found:
        return found
    majors = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda path: int(path.parts[-3]))
    if not majors:
        raise RuntimeError(f"{name} is not installed: `make test-deps` installs Debian's postgresql")
    return str(majors[-1])


def _as_postgres(command: list[str]) -> list[str]:
    """``initdb`` and ``pg_ctl`` refuse to run as root: run them as the ``postgres`` account then."""
    command = [_pg_tool(command[0]), *command[1:]]
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server of its own, in a new folder of /tmp (readable by the ``postgres`` account when the
    tests run as root); yields its URL (database ``accord``)."""
    folder = Path(tempfile.mkdtemp(prefix="accord-pg-"))
    cluster, sockets = folder / "cluster", folder / "sockets"
    sockets.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        for path in (folder, sockets):
            os.chown(path, account.pw_uid, account.pw_gid)
    port = free_port()
    subprocess.run(_as_postgres(["initdb", "-D", str(cluster), "-U", "accord", "--auth=trust", "-E", "UTF8"]),
                   check=True, capture_output=True)
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run(_as_postgres(["pg_ctl", "-D", str(cluster), "-o", options, "-l", str(folder / "server.log"),
                                 "-w", "start"]), check=True, capture_output=True)
    try:
        subprocess.run(_as_postgres(["createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "accord", "accord"]),
                       check=True, capture_output=True)
        yield f"postgresql+psycopg2://accord@127.0.0.1:{port}/accord"  # the scheme Dagster's storage needs
    finally:
        subprocess.run(_as_postgres(["pg_ctl", "-D", str(cluster), "-m", "fast", "-w", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def dagster_process(args: list[str], log: Path, cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A Dagster command (``dagster dev``, the daemon) with this process's environment, in a process group of
    its own: stopped with every child it started (code server, webserver, run processes) when the block ends."""
    with log.open("wb") as output, process_group([sys.executable, "-m", *args], cwd, os.environ, output) as process:
        yield process


def answers(url: str) -> str | None:
    """None when ``url`` answers 200, else what it answered (for ``wait_for``)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (http on localhost, built here)
            return None if response.status == 200 else f"{url}: {response.status}"
    except OSError as exc:
        return f"{url}: {exc}"


def wait_for(pending: Callable[[], str | None], seconds: float, process: subprocess.Popen[bytes], log: Path,
             ) -> float:
    """Poll ``pending`` (what is not there yet, None when all is) until done; the seconds it took. Fails with
    what is missing after ``seconds``, or with the end of ``log`` if ``process`` stopped."""
    started = time.monotonic()
    while (missing := pending()) is not None:
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        assert time.monotonic() - started < seconds, f"after {seconds} s: {missing}"
        time.sleep(1)
    return time.monotonic() - started
