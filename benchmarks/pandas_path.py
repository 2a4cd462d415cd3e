"""What a user would write without accord: the same harmonisation of the rrn person extract in pandas
(read, trim, null tokens, code maps, day-first dates, pattern and code checks, quarantine, Parquet)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

SEX = {"H": "M", "F": "F", "X": "X"}
LANG = {"français": "fr", "anglais": "en"}
POSTAL = r"^[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] [0-9][ABCEGHJ-NPRSTV-Z][0-9]$"


def harmonise(source: Path, out: Path) -> tuple[int, int]:
    raw = pd.read_csv(source, sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    raw = raw.apply(lambda s: s.str.strip()).replace({"": None, "N/D": None})
    frame = pd.DataFrame({
        "person_id": raw["NO_DOSSIER"], "sin": raw["NAS"], "family_name": raw["NOM"], "given_name": raw["PRENOM"],
        "birth_date": pd.to_datetime(raw["DATE_NAISS"], format="%d/%m/%Y", errors="coerce").dt.date,
        "sex": raw["SEXE"].map(SEX), "postal_code": raw["CODE_POSTAL"].str.upper(), "province": raw["PROV"],
        "preferred_language": raw["LANGUE"].str.lower().map(LANG),
    })
    bad = (frame["birth_date"].isna() & raw["DATE_NAISS"].notna()) | frame["sex"].isna() \
        | (frame["sin"].notna() & ~frame["sin"].fillna("").str.fullmatch(r"[0-9]{9}")) \
        | (frame["postal_code"].notna() & ~frame["postal_code"].fillna("").str.fullmatch(POSTAL)) \
        | frame["person_id"].duplicated(keep=False) | frame["family_name"].isna()
    frame[~bad].to_parquet(out, compression="zstd", index=False)
    raw[bad].to_parquet(out.with_suffix(".quarantine.parquet"), index=False)
    return int((~bad).sum()), int(bad.sum())


if __name__ == "__main__":
    print(harmonise(Path(sys.argv[1]), Path(sys.argv[2])))
