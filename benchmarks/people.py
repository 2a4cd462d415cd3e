"""Synthetic citizens copied across agencies with the differences real registers have, and the truth.

Each person is known to one to four agencies (rrn, cba, nho, msa); each copy may lose its accents, be in
capitals, carry a typo in a name, have given and family names swapped, go by a nickname, lack its SIN, have two
SIN digits swapped, have moved (another postal code), or have day and month of birth swapped. ``_person`` is
the truth (the same for every copy of a person); linkage never sees it.

    python benchmarks/people.py --people 400000 --out /tmp/people   # one Parquet file per agency
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

AGENCIES = ("rrn", "cba", "nho", "msa")
SYLLABLES = ("ba", "bel", "bou", "car", "cha", "dan", "del", "dor", "fa", "gag", "gi", "gre", "ha", "jo", "ka",
             "lac", "lam", "lan", "le", "ma", "mar", "mi", "mon", "na", "ni", "no", "pa", "pel", "ra", "ri", "ro",
             "sa", "se", "ta", "ther", "to", "tre", "va", "vi", "wil")
GIVEN = ("Amélie", "André", "Anne", "Antoine", "Béatrice", "Benoît", "Catherine", "Chloé", "Claude", "David",
         "Denis", "Élise", "Émile", "Éric", "François", "Gabriel", "Geneviève", "Hélène", "Isabelle", "Jacques",
         "Jean", "Jérôme", "Joseph", "Julie", "Karine", "Laurent", "Léa", "Louis", "Lucie", "Marc", "Marie",
         "Mathieu", "Michel", "Nathalie", "Noémie", "Olivier", "Patrice", "Pierre", "Rachel", "Raphaël",
         "Robert", "Samuel", "Simone", "Sophie", "Stéphane", "Sylvie", "Thomas", "Valérie", "William", "Zoé",
         "Aiden", "Amira", "Chen", "Daniel", "Elizabeth", "Fatima", "Hugo", "Ines", "James", "Kateri", "Liam",
         "Maya", "Michael", "Noah", "Olivia", "Priya", "Rosalie", "Santiago", "Tanvir", "Yasmine")
NICKNAMES = {"Robert": "Bob", "William": "Bill", "Elizabeth": "Liz", "James": "Jim", "Michael": "Mike",
             "Thomas": "Tom", "Samuel": "Sam", "Daniel": "Dan", "Joseph": "Joe", "David": "Dave"}
ACCENTED = str.maketrans("ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜàâäçéèêëîïôöùûü", "AAACEEEEIIOOUUUaaaceeeeiioouuu")
FSA = "ABCEGHJKLMNPRSTVXY"
DIGITS = "0123456789"
NOISE = {"accents": 0.15, "capitals": 0.2, "typo": 0.05, "swap": 0.02, "nickname": 0.5, "no_sin": 0.1,
         "sin_typo": 0.01, "moved": 0.1, "day_month": 0.01}


def _family_names(rng: np.random.Generator, count: int) -> list[str]:
    parts = rng.integers(0, len(SYLLABLES), size=(count, 3))
    lengths = rng.integers(2, 4, size=count)
    names = ["".join(SYLLABLES[p] for p in row[:n]).capitalize() for row, n in zip(parts, lengths, strict=True)]
    accents = rng.random(count) < 0.2
    return [name[:-1] + "é" if accent and name.endswith("e") else ("Lé" + name[1:].lower() if accent else name)
            for name, accent in zip(names, accents, strict=True)]


def population(people: int, seed: int = 7) -> pl.DataFrame:
    """``people`` distinct citizens (clear values, as the contract states them)."""
    rng = np.random.default_rng(seed)
    families = _family_names(rng, people)
    given = [GIVEN[i] for i in rng.integers(0, len(GIVEN), people)]
    second = rng.random(people) < 0.3
    given = [f"{g} {GIVEN[j]}" if s else g for g, s, j in zip(given, second, rng.integers(0, len(GIVEN), people),
                                                                strict=True)]
    births = [dt.date(1930, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 33000, people)]
    sins = rng.choice(10**9 - 10**8, size=people, replace=False) + 10**8
    return pl.DataFrame({
        "_person": np.arange(people, dtype=np.int64),
        "sin": [str(s) for s in sins],
        "family_name": families,
        "given_name": given,
        "birth_date": births,
        "sex": rng.choice(["M", "F", "X"], size=people, p=[0.49, 0.49, 0.02]),
        "postal_code": [_postal(rng) for _ in range(people)],
    })


def _postal(rng: np.random.Generator) -> str:
    a, b, c = rng.integers(0, len(FSA), 3)
    d = rng.integers(0, 10, 3)
    return f"{FSA[a]}{d[0]}{FSA[b]} {d[1]}{FSA[c]}{d[2]}"


def _typo(text: str, rng: np.random.Generator) -> str:
    if len(text) < 3:
        return text
    at = int(rng.integers(1, len(text) - 1))
    return text[:at] + "abcdefghijklmnopqrstuvwxyz"[int(rng.integers(0, 26))] + text[at + 1:]


def copies(people: pl.DataFrame, seed: int = 11, noise: dict[str, float] | None = None,
           agencies: tuple[str, ...] = AGENCIES) -> dict[str, pl.DataFrame]:
    """Each person's records at the agencies that know them (each agency knows about 60 % of people, every
    person at least one), with ``noise`` rates of each difference. Agency -> its records, ``person_id`` its own
    file number."""
    rates = NOISE | (noise or {})
    rng = np.random.default_rng(seed)
    known = rng.random((people.height, len(agencies))) < 0.6
    known[~known.any(axis=1), 0] = True
    out = {}
    rows = people.to_dicts()
    for a, agency in enumerate(agencies):
        records = []
        for person, knows in zip(rows, known[:, a], strict=True):
            if not knows:
                continue
            record = dict(person)
            draw = rng.random(len(rates))
            noisy = dict(zip(rates, draw < np.array(list(rates.values())), strict=True))
            if noisy["nickname"] and record["given_name"] in NICKNAMES:
                record["given_name"] = NICKNAMES[record["given_name"]]
            if noisy["typo"]:
                key = "family_name" if rng.random() < 0.5 else "given_name"
                record[key] = _typo(record[key], rng)
            if noisy["swap"]:
                record["given_name"], record["family_name"] = record["family_name"], record["given_name"]
            if noisy["accents"]:
                record["given_name"] = record["given_name"].translate(ACCENTED)
                record["family_name"] = record["family_name"].translate(ACCENTED)
            if noisy["capitals"]:
                record["family_name"] = record["family_name"].upper()
            if noisy["no_sin"]:
                record["sin"] = None
            elif noisy["sin_typo"]:
                s = record["sin"]
                record["sin"] = s[:3] + s[4] + s[3] + s[5:]
            if noisy["moved"]:
                record["postal_code"] = _postal(rng)
            born = record["birth_date"]
            if noisy["day_month"] and born.day <= 12 and born.day != born.month:
                record["birth_date"] = born.replace(day=born.month, month=born.day)
            records.append(record)
        frame = pl.DataFrame(records, schema=people.schema)
        out[agency] = frame.with_columns(
            (pl.lit(agency.upper() + "-") + pl.int_range(pl.len()).cast(pl.String).str.zfill(8)).alias("person_id"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=400_000)
    parser.add_argument("--out", type=Path, required=True, help="a folder, or a .parquet file for all agencies "
                                                                 "(with _agency): what `accord identity train "
                                                                 "--records` reads")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    frames = copies(population(args.people, seed=args.seed), seed=args.seed + 4)
    if args.out.suffix == ".parquet":
        pl.concat([f.with_columns(pl.lit(a).alias("_agency")) for a, f in frames.items()]).drop("_person") \
            .write_parquet(args.out)
        print(args.out, sum(f.height for f in frames.values()))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    for agency, frame in frames.items():
        frame.write_parquet(args.out / f"{agency}.parquet")
        print(agency, frame.height)


if __name__ == "__main__":
    main()
