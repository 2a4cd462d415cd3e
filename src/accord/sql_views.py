"""Published tables as DuckDB views, without DuckDB's ``delta`` extension (which a machine offline cannot
install): ``accord.duckdb_view(connection, "person", 1)``.

The view reads exactly the Parquet files of the Delta version the manifest names (the table's log lists them;
a folder also holds files of earlier versions until they are vacuumed, so never glob it), with DuckDB's own
Parquet reader, which needs no extension. The agencies table's ``_agency`` comes from the files' partition
folders. On an object store, where DuckDB would need ``httpfs``, the table is read by accord and registered as
an Arrow table instead. The schema is checked against the contract first, as ``accord.read`` does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from accord.consume import AsOf, read_arrow, table_at
from accord.errors import AccordError

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def duckdb_view(connection: Any, contract_id: str, version: int, *, name: str | None = None,
                agency: str | None = None, as_of: AsOf = None, data_dir: Path | str | None = None,
                project_dir: Path | str | None = None) -> str:
    """Create (or replace) the view ``name`` (default ``<contract>_v<version>``, ``_<agency>`` for one agency's
    partition of the agencies table) over the integrated table, or the agency's rows; return its name."""
    name = name or f"{contract_id}_v{version}" + (f"_{agency}" if agency else "")
    if not NAME.match(name):
        raise AccordError(f"not a view name: {name!r} (letters, digits and _)")
    table, delta, expected = table_at(contract_id, version, agency, as_of, data_dir, project_dir)
    files = delta.file_uris()
    if not table.dirs.is_local or not files:
        arrow = read_arrow(contract_id, version, agency=agency, as_of=as_of, data_dir=data_dir,
                           project_dir=project_dir)
        connection.register(f"{name}_arrow", arrow)
        connection.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM "{name}_arrow"')  # noqa: S608 (NAME)
        return name
    columns = ", ".join(f'"{column}"' for column in expected.names)
    where = f" WHERE _agency = {_quoted(agency)}" if agency is not None else ""
    sources = ", ".join(_quoted(file) for file in files)
    # the name matched NAME, the columns are the contract's (trusted), paths and agency are quoted literals
    connection.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT {columns} FROM read_parquet([{sources}], '  # noqa: S608
                       f"hive_partitioning = true){where}")
    return name
