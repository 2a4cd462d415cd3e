"""Fault-injection points, for the crash tests: ``ACCORD_FAULT=<point>`` kills the process (SIGKILL, no clean-up)
the first time it reaches ``point(<point>)``; ``ACCORD_FAULT=<point>@<n>`` the n-th time. Unset, a point costs one
dictionary look-up. The points mark the step boundaries of pickup and processing (``docs/security.md``)."""

from __future__ import annotations

import os
import signal

FAULT_ENV = "ACCORD_FAULT"
_reached: dict[str, int] = {}


def point(name: str) -> None:
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    target, _, nth = wanted.partition("@")
    if target != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
