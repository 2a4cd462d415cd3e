"""accord: harmonise agency extracts onto shared data contracts.

The engine is plain Python (no orchestrator import); ``pipelines/`` wires it into Dagster.
Consumers: ``accord.read("person", version=1)`` returns the integrated dataset as a polars LazyFrame;
``accord.duckdb_view(connection, "person", 1)`` makes it a DuckDB view (no DuckDB extension needed).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["duckdb_view", "read", "read_arrow"]


def __getattr__(name: str) -> Any:  # keep ``import accord`` light: load the reader on first use
    if name == "duckdb_view":
        from accord import sql_views

        return sql_views.duckdb_view
    if name in __all__:
        from accord import consume

        return getattr(consume, name)
    raise AttributeError(name)
