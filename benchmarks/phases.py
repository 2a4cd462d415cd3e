"""Where the engine's time goes: the engine alone (as ``engine_only.py``) with wall-clock timers around its
phases, summed over the run, main thread only (writes on the background writer threads overlap them).

    python benchmarks/phases.py PROJECT_DIR DATA_DIR      # DATA_DIR/landing/<agency>/<file> as for a run

Timers wrap the functions where the engine calls them; a generator's time is the time spent inside its
``next`` calls. Nested phases are included in their parents (``process_submission`` holds most others)."""

from __future__ import annotations

import functools
import inspect
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import accord.agency
import accord.integrate
import accord.integrate.build
import accord.process
import accord.publish.parquet
import accord.submission
from accord.publish.stream import WorkParts
from accord.validation.dataset_rules import DatasetMetrics
from accord.validation.row_rules import RowSchema

SPENT: dict[str, float] = defaultdict(float)
CPU: dict[str, float] = defaultdict(float)  # process CPU (every thread) while the phase ran
PHASES: list[tuple[Any, str]] = [  # (module or class where the engine looks the function up, name)
    (accord.submission, "process_submission"),
    (accord.process, "iter_extract"),
    (accord.process, "apply_mapping"),
    (RowSchema, "check"),
    (accord.process, "duplicate_errors"),
    (accord.process, "_first_pass"),
    (accord.process, "_sorted_quarantine"),
    (accord.process, "_published_duplicates"),
    (DatasetMetrics, "add"),
    (WorkParts, "batches"),
    (accord.submission._Stager, "__call__"),
    (accord.submission._Stager, "finish"),
    (accord.submission, "_write_quarantine"),
    (accord.publish.parquet, "pseudonymise"),
    (accord.submission, "validate_metrics"),
    (accord.agency, "publish_agency"),
    (accord.agency, "replace_submissions"),
    (accord.integrate, "integrate"),
    (accord.integrate.build, "in_ranges"),
    (accord.integrate.build, "winners"),
]


def _timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.isgeneratorfunction(function):
        @functools.wraps(function)
        def generator(*args: Any, **kwargs: Any) -> Iterator[Any]:
            inner = function(*args, **kwargs)
            while True:
                start, cpu = time.perf_counter(), time.process_time()
                try:
                    item = next(inner)
                except StopIteration:
                    return
                finally:
                    SPENT[name] += time.perf_counter() - start
                    CPU[name] += time.process_time() - cpu
                yield item
        return generator

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - start
            CPU[name] += time.process_time() - cpu
    return timed


def main() -> None:
    for module, name in PHASES:
        setattr(module, name, _timed(name, getattr(module, name)))
    import engine_only  # after the timers: it binds process_submission and integrate by name
    import great_expectations  # noqa: F401 - as in a warm worker: its import is not a phase

    start, cpu = time.perf_counter(), time.process_time()
    engine_only.main()
    total, total_cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{'phase':22} {'wall':>9} {'CPU':>9}")
    for name, seconds in sorted(SPENT.items(), key=lambda item: -item[1]):
        print(f"{name:22} {seconds:7.2f} s {CPU[name]:7.2f} s")
    print(f"{'engine (after imports)':22} {total:7.2f} s {total_cpu:7.2f} s")


if __name__ == "__main__":
    main()
