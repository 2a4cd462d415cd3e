"""accord: harmonise agency extracts onto shared data contracts.

The engine is plain Python (no orchestrator import); ``pipelines/`` wires it into Dagster.
Consumers: ``accord.read("person", version=1)`` returns the integrated dataset as a polars LazyFrame.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["read", "read_arrow"]


def __getattr__(name: str) -> Any:  # keep ``import accord`` light: load the reader on first use
    if name in __all__:
        from accord import consume

        return getattr(consume, name)
    raise AttributeError(name)
