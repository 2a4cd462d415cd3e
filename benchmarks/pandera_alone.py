"""pandera alone (issue 26's reference): the contract's row rules as accord compiles them (``row_schema``), run by
pandera's polars backend on the frame polars read from the extract, every failure case collected (``lazy=True``).
The raw columns are renamed to the contract's fields and given its types (a date read day-first), with no other
mapping: the cost of the rules themselves. Prints the failure cases found and the process's own seconds."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandera.polars as pa
import polars as pl

from accord.contracts import ContractRegistry
from accord.validation import row_schema

ROOT = Path(__file__).resolve().parents[1]
NAMES = {"NO_DOSSIER": "person_id", "NAS": "sin", "NOM": "family_name", "PRENOM": "given_name",
         "DATE_NAISS": "birth_date", "SEXE": "sex", "CODE_POSTAL": "postal_code", "PROV": "province",
         "LANGUE": "preferred_language"}


def main(source: Path) -> None:
    schema = row_schema(ContractRegistry.load(ROOT / "contracts").resolve("person", 1)).schema
    started, cpu = time.perf_counter(), time.process_time()
    raw = pl.read_csv(source, separator=";", encoding="windows-1252", infer_schema=False)
    frame = raw.rename(NAMES).with_row_index("_source_row", offset=2).with_columns(
        pl.col("_source_row").cast(pl.Int64),
        pl.col("birth_date").str.strptime(pl.Date, "%d/%m/%Y", strict=False))
    try:
        schema.validate(frame, lazy=True)
        failures = 0
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases.height
    print(json.dumps({"failure_cases": failures, "wall_s": round(time.perf_counter() - started, 3),
                      "cpu_s": round(time.process_time() - cpu, 3)}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
