"""The stewards' review queue: each pair the model scored between ``reviewAt`` and ``matchAt``, side by side,
with what decided its score (Splink's waterfall: for each comparison, the level the pair fell in and its match
weight, after the prior), in English or French; and the decision a steward records on it.

Record ids are shown as ``<agency>/<primary key>`` (``rrn/RRN-000123``). Only operators see this queue: it shows
clear values of several agencies, and agencies never see other agencies' records.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from accord.contracts.model import Contract
from accord.errors import AccordError
from accord.identity import decisions as steward
from accord.identity.link import LEFT, PROBABILITY, RIGHT
from accord.identity.model import RECORD, load_model
from accord.identity.resolve import review_queue
from accord.identity.tables import SEPARATOR, previous_keys
from accord.intake import store_for
from accord.settings import DataDirs

_FRENCH = [
    (r"^All other comparisons$", "toutes les autres comparaisons"),
    (r"(\w+) is NULL", r"\1 absent"),
    (r"Exact match on (date of birth|full postcode|\w+)", r"égalité exacte : \1"),
    (r"Match on reversed cols: (.+) \(both directions\)", r"noms inversés : \1"),
    (r"full postcode", "code postal complet"), (r"\bsector\b", "secteur"), (r"\barea\b", "zone"),
    (r" and ", " et "),
    (r"Jaro-Winkler distance of (\S+) >= ([0-9.]+)", r"similarité Jaro-Winkler de \1 ≥ \2"),
    (r"Damerau-Levenshtein distance of (\S+) <= ([0-9]+)", r"distance de Damerau-Levenshtein de \1 ≤ \2"),
    (r"^Levenshtein distance <= ([0-9]+)$", r"distance de Levenshtein ≤ \1"),
    (r"Abs date difference <= ([0-9]+) (month|year|day)s?", r"écart de dates ≤ \1 \2"),
    (r"\bmonth\b", "mois"), (r"\byear\b", "an"), (r"\bday\b", "jour"), (r"\bAND\b", "ET"), (r"\bOR\b", "OU"),
    (r"date of birth", "date de naissance"),
]


def in_french(label: str) -> str:
    for pattern, replacement in _FRENCH:
        label = re.sub(pattern, replacement, label)
    return label


def shown(record: str) -> str:
    return record.replace(SEPARATOR, "/")


def internal(shown_id: str) -> str:
    return shown_id.replace("/", SEPARATOR)


@dataclass(frozen=True)
class Row:
    field: str
    left_value: str
    right_value: str
    label: str
    weight: float

    def level(self, lang: str) -> str:
        return in_french(self.label) if lang == "fr" else self.label


@dataclass(frozen=True)
class ReviewPair:
    left: str
    right: str
    probability: float
    prior: float
    rows: tuple[Row, ...]


def _levels(trained: dict[str, Any]) -> list[tuple[str, dict[int, str], list[str]]]:
    """Each comparison: its output name, level label by comparison vector value (Splink numbers the levels from
    the last, 0, up; the null level is -1), the columns it compares."""
    out = []
    for comparison in trained.get("comparisons", []):
        name = comparison["output_column_name"]
        levels = comparison["comparison_levels"]
        counted = [level for level in levels if not level.get("is_null_level")]
        labels = {len(counted) - 1 - i: str(level.get("label_for_charts", "")) for i, level in enumerate(counted)}
        labels.update((-1, str(level.get("label_for_charts", ""))) for level in levels if level.get("is_null_level"))
        columns = re.findall(r'"(\w+)_l"', " ".join(str(level.get("sql_condition", "")) for level in levels))
        out.append((name, labels, list(dict.fromkeys(columns)) or [name]))
    return out


def _value(row: dict[str, Any], columns: list[str], side: str) -> str:
    values = [row.get(f"{c}_{side}") for c in columns]
    return " | ".join("" if v is None else str(v) for v in values)


def pairs_for_review(dirs: DataDirs, contract: Contract, *, limit: int | None = None) -> list[ReviewPair]:
    queue = review_queue(dirs, contract)
    if queue.is_empty():
        return []
    trained = load_model(contract).splink
    prior_p = float(trained.get("probability_two_random_records_match", 0.0001))
    prior = math.log2(prior_p / (1 - prior_p))
    rows = queue.head(limit) if limit else queue
    out = []
    for record in rows.iter_rows(named=True):
        flipped = bool(record.get("_flipped"))
        sides = ("r", "l") if flipped else ("l", "r")
        detail = []
        for name, labels, columns in _levels(trained):
            gamma = record.get(f"gamma_{name}")
            weight = float(record.get(f"mw_{name}") or 0.0) + float(record.get(f"mw_tf_adj_{name}") or 0.0)
            detail.append(Row(name, _value(record, columns, sides[0]), _value(record, columns, sides[1]),
                              labels.get(int(gamma) if gamma is not None else -1, "?"), round(weight, 2)))
        out.append(ReviewPair(shown(record[LEFT]), shown(record[RIGHT]), float(record[PROBABILITY]),
                              round(prior, 2), tuple(detail)))
    return out


def record_decision(dirs: DataDirs, contract: Contract, left: str, right: str, decision: str, who: str,
                    note: str = "") -> steward.Decision:
    """Record a decision on two published records (``agency/key`` each); an error names a record that is not
    published."""
    known = previous_keys(dirs, contract).get_column(RECORD)
    for record in (left, right):
        if not (known == internal(record)).any():
            raise AccordError(f"no published record {record} of {contract.label} (record ids are agency/key, as "
                              "`accord identity review` shows them)")
    return steward.decide(store_for(dirs), steward.Decision(steward.now(), who, contract.id, contract.major,
                                                            internal(left), internal(right), decision, note))


