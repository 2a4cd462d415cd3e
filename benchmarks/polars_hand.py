"""The yardstick of issue 26: the bench's mapping (rrn person) written by hand in polars, as a data engineer would
in an afternoon: read with transcoding from Windows-1252, every field transform of mappings/rrn/person.yaml, the
contract's row rules (person v1: required, lengths, patterns, codes, bounds, uniqueness of person_id and sin) as
expressions, the records split into published and quarantined, both written."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

SIN = r"^[0-9]{9}$"
POSTAL = r"^[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] [0-9][ABCEGHJ-NPRSTV-Z][0-9]$"
PROVINCES = ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"]


def harmonise(source: Path, out: Path) -> tuple[int, int]:
    raw = pl.read_csv(source, separator=";", encoding="windows-1252", infer_schema=False)
    text = [pl.col(c).str.strip_chars().replace(["", "N/D"], [None, None]) for c in raw.columns]
    clean = raw.select(text)
    frame = clean.select(
        pl.col("NO_DOSSIER").alias("person_id"), pl.col("NAS").alias("sin"), pl.col("NOM").alias("family_name"),
        pl.col("PRENOM").alias("given_name"),
        pl.col("DATE_NAISS").str.strptime(pl.Date, "%d/%m/%Y", strict=False).alias("birth_date"),
        pl.col("SEXE").replace_strict({"H": "M", "F": "F", "X": "X"}, default=None).alias("sex"),
        pl.col("CODE_POSTAL").str.to_uppercase().alias("postal_code"),
        pl.col("PROV").str.to_uppercase().alias("province"),
        pl.col("LANGUE").str.to_lowercase().replace_strict({"français": "fr", "anglais": "en"}, default=None)
        .alias("preferred_language"),
    )
    bad = (
        pl.col("person_id").is_null() | ~pl.col("person_id").str.len_chars().is_between(1, 40)
        | (pl.col("sin").is_not_null() & ~pl.col("sin").str.contains(SIN))
        | pl.col("family_name").is_null() | ~pl.col("family_name").str.len_chars().is_between(1, 100)
        | pl.col("given_name").is_null() | ~pl.col("given_name").str.len_chars().is_between(1, 100)
        | pl.col("birth_date").is_null()
        | ~pl.col("birth_date").is_between(pl.date(1900, 1, 1), pl.date(2026, 12, 31))
        | pl.col("sex").is_null()
        | (pl.col("postal_code").is_not_null() & ~pl.col("postal_code").str.contains(POSTAL))
        | pl.col("province").is_null() | ~pl.col("province").is_in(PROVINCES)
        | (clean.get_column("LANGUE").is_not_null() & pl.col("preferred_language").is_null())
        | pl.col("person_id").is_duplicated() | (pl.col("sin").is_not_null() & pl.col("sin").is_duplicated())
    ).fill_null(True)
    flagged = frame.with_columns(bad.alias("_bad"))
    flagged.filter(~pl.col("_bad")).drop("_bad").write_parquet(out, compression="zstd")
    quarantined = raw.filter(flagged.get_column("_bad"))
    quarantined.write_parquet(out.with_suffix(".quarantine.parquet"), compression="zstd")
    return flagged.height - quarantined.height, quarantined.height


if __name__ == "__main__":
    print(harmonise(Path(sys.argv[1]), Path(sys.argv[2])))
