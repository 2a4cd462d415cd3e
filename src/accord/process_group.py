"""A child process in a process group of its own, stopped with every child it started (the Dagster daemon's
code server and run processes): ``accord serve --daemon`` and the tests that start Dagster use it. The
command lines are accord's own, never agency input."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def process_group(args: list[str], cwd: Path, env: Mapping[str, str], output: IO[bytes] | None = None,
                  timeout: float = 60) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``args`` while the block runs; at its end SIGTERM the whole group, SIGKILL after ``timeout`` s."""
    process = subprocess.Popen(args, cwd=cwd, env=dict(env), start_new_session=True, stdout=output,  # noqa: S603
                               stderr=subprocess.STDOUT if output is not None else None)
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
