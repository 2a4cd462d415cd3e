"""The row rules two ways on the same contract-typed batch: accord's expressions in one plan (``RowSchema.check``)
and pandera validating the equivalent schema (``check_with_pandera``), whole and in batches of 400,000; wall and
CPU seconds, and whether the error records are the same. Run on an extract from ``generate.py``:

    python benchmarks/row_rules.py EXTRACT.csv
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import polars as pl

from accord.contracts import ContractRegistry
from accord.validation import row_schema

ROOT = Path(__file__).resolve().parents[1]
NAMES = {"NO_DOSSIER": "person_id", "NAS": "sin", "NOM": "family_name", "PRENOM": "given_name",
         "DATE_NAISS": "birth_date", "SEXE": "sex", "CODE_POSTAL": "postal_code", "PROV": "province",
         "LANGUE": "preferred_language"}


def main(source: Path) -> None:
    rules = row_schema(ContractRegistry.load(ROOT / "contracts").resolve("person", 1))
    raw = pl.read_csv(source, separator=";", encoding="windows-1252", infer_schema=False)
    frame = raw.rename(NAMES).with_row_index("_source_row", offset=2).with_columns(
        pl.col("_source_row").cast(pl.Int64), pl.col("birth_date").str.strptime(pl.Date, "%d/%m/%Y", strict=False),
        pl.col("sex").replace_strict({"H": "M", "F": "F", "X": "X"}, default=None),
        pl.col("preferred_language").str.to_lowercase().replace_strict({"français": "fr", "anglais": "en"},
                                                                        default=None),
        pl.col("postal_code").replace("N/D", None))
    order = ["_source_row", "column", "rule", "value", "detail"]
    found = {}
    for name, check in (("pandera (first calls, with its imports)", rules.check_with_pandera),
                        ("pandera", rules.check_with_pandera), ("expressions", rules.check)):
        for size in (400_000, frame.height):
            started, cpu = time.perf_counter(), time.process_time()
            errors = pl.concat([check(part) for part in frame.iter_slices(size)])
            found[name] = errors.sort(order, nulls_last=True)
            print(json.dumps({"engine": name, "batch": size, "errors": errors.height,
                              "wall_s": round(time.perf_counter() - started, 3),
                              "cpu_s": round(time.process_time() - cpu, 3)}))
    print(json.dumps({"same_errors": found["pandera"].equals(found["expressions"])}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
