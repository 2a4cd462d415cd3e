"""Write a realistic agency extract of N rows for the rrn person mapping: Windows-1252, ';', DD/MM/YYYY,
French codes (H/F/X, Français/Anglais), 'N/D' for missing, and about 1 % bad rows (bad NAS, impossible
dates, unknown sex codes). Deterministic for a given N and seed."""

from __future__ import annotations

import random
import sys
from pathlib import Path

FAMILY = ["Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gagné",
          "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron", "Leblanc", "Paquette", "Girard", "Simard"]
GIVEN = ["Évelyne", "Jean-François", "Marie-Ève", "Luc", "Chantal", "Denis", "Nathalie", "Sylvie", "Pierre",
         "Hélène", "Ginette", "Mélanie", "François", "Josée", "Stéphane", "Geneviève", "André", "Céline"]
POSTAL = ["H2X 1Y4", "G1R 2B5", "K1A 0B1", "J8X 3X5", "H3Z 2Y7", "G5L 3A1", "H1A 0A1", "E1A 1A1", "J4B 5E3"]
HEADER = "NO_DOSSIER;NAS;NOM;PRENOM;DATE_NAISS;SEXE;CODE_POSTAL;PROV;LANGUE"


def rows(n: int, seed: int = 2026, first_id: int = 0) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - test data
    out = []
    for i in range(n):
        bad = rng.random() < 0.01
        kind = rng.randrange(3) if bad else -1
        nas = f"{rng.randrange(10**8, 10**9)}" if kind != 0 else "12345"
        day, month, year = rng.randrange(1, 29), rng.randrange(1, 13), rng.randrange(1930, 2010)
        date = f"{day:02d}/{month:02d}/{year}" if kind != 1 else f"31/02/{year}"
        sex = rng.choice("HFX") if kind != 2 else "Z"
        postal = rng.choice(POSTAL) if rng.random() > 0.1 else "N/D"
        lang = rng.choice(["Français", "Anglais"])
        names = f"{rng.choice(FAMILY)};{rng.choice(GIVEN)}"
        out.append(f"RRN-{first_id + i:09d};{nas};{names};{date};{sex};{postal};QC;{lang}")
    return out


def write(path: Path, n: int, first_id: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="cp1252", newline="") as handle:
        handle.write(HEADER + "\r\n")
        for start in range(0, n, 100_000):
            handle.write("\r\n".join(rows(min(100_000, n - start), seed=first_id + start,
                                                first_id=first_id + start)) + "\r\n")
    return path


if __name__ == "__main__":
    write(Path(sys.argv[1]), int(sys.argv[2]))
