"""Quotas per agency: what one agency may send in a day (files and bytes, at pickup and through the portal) and
check in an hour (the portal), and how many checks the portal runs at once. One hostile or broken agency system
cannot fill the disk or the machine for the others. Set by the operator with environment variables
(``ACCORD_QUOTA_FILES_PER_DAY``, ...); refused with the reason ``quota``."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass, fields

from accord.intake.store import SubmissionStore

SENT = ("received", "processing", "processed", "rejected", "failed", "duplicate")  # archived: counts


@dataclass(frozen=True)
class Quotas:
    files_per_day: int = 1_000
    bytes_per_day: int = 50 * 1024**3
    checks_per_hour: int = 120
    parallel_checks: int = 2  # checks the portal runs at once (each holds a batch of the file in memory)

    @classmethod
    def from_env(cls) -> Quotas:
        values = {f.name: int(os.environ[f"ACCORD_QUOTA_{f.name.upper()}"]) for f in fields(cls)
                  if f"ACCORD_QUOTA_{f.name.upper()}" in os.environ}
        return cls(**values)

    def sending_problem(self, store: SubmissionStore, agency: str, day: str, size: int) -> str | None:
        """Why one more file of ``size`` bytes from ``agency`` on ``day`` (``YYYY-MM-DD``) is over its quota, or
        None. A file recorded for several contracts counts once."""
        files = {(s.sha256, s.received_at, s.file_name): s.size for s in store.of_day(agency, day)
                 if s.status in SENT}
        if len(files) + 1 > self.files_per_day:
            return (f"agency {agency} has sent {len(files)} files on {day}, its quota for a day "
                    "(ACCORD_QUOTA_FILES_PER_DAY): send the rest tomorrow, or ask the operators")
        sent = sum(files.values())
        if sent + size > self.bytes_per_day:
            return (f"agency {agency} has sent {sent} bytes on {day}; {size} more would pass its quota of "
                    f"{self.bytes_per_day} bytes a day (ACCORD_QUOTA_BYTES_PER_DAY)")
        return None


class HourlyCounter:
    """Events per key in the last hour (the portal's checks per agency), in this process."""

    def __init__(self, limit: int, window: float = 3600.0) -> None:
        self.limit, self.window = limit, window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> int:
        """Count one event for ``key``; 0 when within the limit, else the seconds until one is allowed."""
        now = time.monotonic()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return max(1, int(events[0] + self.window - now) + 1)
            events.append(now)
            return 0


class Slots:
    """At most ``size`` things at once (the portal's running checks), without waiting: a caller that finds none
    free is told so at once (and asks again later)."""

    def __init__(self, size: int) -> None:
        self.size, self._taken = size, 0
        self._lock = threading.Lock()

    def full(self) -> bool:
        with self._lock:
            return self._taken >= self.size

    def take(self) -> bool:
        with self._lock:
            if self._taken >= self.size:
                return False
            self._taken += 1
            return True

    def release(self) -> None:
        with self._lock:
            self._taken = max(0, self._taken - 1)
