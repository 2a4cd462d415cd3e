"""The problems of a report, grouped by column and rule, largest first: what an analyst reads instead of one
line per problem. Each group says in plain words what the rule asks, shows a valid value (the contract's
example, or one made from the rule) and its first rows; for bounds, the range of values found against the one
allowed. ``bars`` scales counts for the report's server-rendered chart."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from accord.reasons import column_label, format_examples, type_names
from accord.reports.patterns import describe_pattern

EXAMPLE_ROWS = 3

# rule -> (English, French): what the rule asks, for a whole group; placeholders {column} {detail} {type_en}
# {type_fr} (the detail of the group's first problem: constant within a group for these rules)
EXPLANATIONS: dict[str, tuple[str, str]] = {
    "required": ("{column} must have a value: these rows leave it empty.",
                 "{column} doit avoir une valeur : ces lignes la laissent vide."),
    "unique": ("{column} identifies a record: each value may appear only once in the file.",
               "{column} identifie un enregistrement : chaque valeur ne peut apparaître qu'une fois dans le "
               "fichier."),
    "enum": ("{column} must be one of the allowed codes: {detail}.",
             "{column} doit être l'un des codes permis : {detail}."),
    "pattern": ("{column} must have the expected form{form_en}.", "{column} doit avoir la forme attendue{form_fr}."),
    "format": ("{column} must be {type_en}.", "{column} doit être {type_fr}."),
    "type-error": ("{column} must be {type_en}.", "{column} doit être {type_fr}."),
    "minimum": ("{column} must be at least {detail}.", "{column} doit valoir au moins {detail}."),
    "maximum": ("{column} must be at most {detail}.", "{column} doit valoir au plus {detail}."),
    "length": ("{column} must have a length within {detail}.", "{column} doit avoir une longueur dans {detail}."),
    "item-count": ("{column} must hold a number of items within {detail}.",
                   "{column} doit contenir un nombre d'éléments dans {detail}."),
    "unique-items": ("the items of {column} must all differ.", "les éléments de {column} doivent tous différer."),
    "unmapped-code": ("{column} holds codes the mapping does not translate: correct the values, or ask for them "
                      "to be added to the mapping (known codes: {detail}).",
                      "{column} contient des codes que le mapping ne traduit pas : corrigez les valeurs, ou "
                      "demandez leur ajout au mapping (codes connus : {detail})."),
    "malformed-record": ("these records cannot be read: a quote or a separator is out of place.",
                         "ces enregistrements sont illisibles : un guillemet ou un séparateur est mal placé."),
    "missing-column": ("a column the mapping reads is missing from the file.",
                       "une colonne lue par le mapping est absente du fichier."),
    "column-order": ("the columns are not in the order the mapping requires.",
                     "les colonnes ne sont pas dans l'ordre exigé par le mapping."),
    "extra-column": ("the file has a column the mapping does not know, and the mapping refuses unknown columns.",
                     "le fichier a une colonne que le mapping ne connaît pas, et il refuse les colonnes inconnues."),
    "too-many-records": ("one record of the file may make at most {detail} records through the mapping's row "
                         "operations (explode, unpivot): split these records, or ask why their cells hold so many "
                         "parts.",
                         "un enregistrement du fichier peut produire au plus {detail} enregistrements par les "
                         "opérations sur les lignes du mapping (explode, unpivot) : scindez ces enregistrements, ou "
                         "vérifiez pourquoi leurs cellules contiennent autant de parties."),
    "join-unmatched": ("these records have no matching row in {detail}.",
                       "ces enregistrements n'ont pas de ligne correspondante dans {detail}."),
    "join-ambiguous": ("these records match several rows of {detail}.",
                       "ces enregistrements correspondent à plusieurs lignes de {detail}."),
}
TYPE_EXAMPLES = {"integer": "42", "number": "3.5", "boolean": "true", "date": "2026-12-31",
                 "timestamp": "2026-12-31T13:45:30", "time": "13:45:30", "email": "name@example.org",
                 "uri": "https://example.org/page", "uuid": "123e4567-e89b-12d3-a456-426614174000"}


@dataclass
class ProblemGroup:
    number: int  # 1 for the largest group
    column: str | None  # contract field
    source_column: str | None  # the agency's own column
    rule: str
    count: int
    explanation_en: str
    explanation_fr: str
    example: str | None  # a valid value
    rows: list[dict[str, Any]] = field(default_factory=list)  # every problem of the group, in row order
    found: tuple[str, str] | None = None  # lowest and highest value found, for a bound
    allowed: str | None = None  # the bound, ">= 0" / "<= 2026-12-31"

    @property
    def first_rows(self) -> list[dict[str, Any]]:
        return self.rows[:EXAMPLE_ROWS]

    def explanation(self, lang: str) -> str:
        return self.explanation_en if lang == "en" else self.explanation_fr

    @property
    def label(self) -> str:
        return column_label(self.source_column, self.column) or "—"



def _example(rule: str, detail: str, contract_example: str | None) -> str | None:
    if contract_example:
        return contract_example
    if rule == "enum":
        return detail.split(", ")[0] if detail else None
    if rule in ("minimum", "maximum"):
        return detail or None
    if rule in ("type-error", "format"):
        kind, shown = format_examples(detail)
        kind = kind.removeprefix("array<").removesuffix(">")
        return shown[0] if shown else TYPE_EXAMPLES.get("number" if kind.startswith("decimal(") else kind)
    return None


def _ordered(values: list[str]) -> tuple[str, str] | None:
    """The lowest and highest of values that are all numbers, or all ISO dates; None otherwise."""
    for parse in (float, dt.date.fromisoformat):
        try:
            keyed = sorted(values, key=parse)
        except ValueError:
            continue
        return keyed[0], keyed[-1]
    return None


def _explained(rule: str, column: str, detail: str, fallback: tuple[str, str]) -> tuple[str, str]:
    if rule not in EXPLANATIONS:
        return fallback
    kind = format_examples(detail)[0] if rule in ("type-error", "format") else detail
    type_en, type_fr = type_names(kind)
    en, fr = EXPLANATIONS[rule]
    forms = {lang: describe_pattern(detail, lang) if rule == "pattern" else None for lang in ("en", "fr")}
    text = {"column": column, "detail": detail, "type_en": type_en, "type_fr": type_fr,
            "form_en": f": {forms['en']}" if forms["en"] else "", "form_fr": f" : {forms['fr']}" if forms["fr"] else ""}
    return en.format(**text), fr.format(**text)


def problem_groups(errors: list[dict[str, Any]], examples: dict[str, str] | None = None,
                   counts: list[dict[str, Any]] | None = None) -> list[ProblemGroup]:
    """``errors`` (report rows: source_row, source_column, column, rule, value, detail, message_en/fr) grouped
    by column and rule, largest group first (then by column, rule). ``counts`` (column, source_column, rule,
    count): the size of each group in the whole file, when ``errors`` holds only its first problems."""
    examples = examples or {}
    buckets: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for error in errors:
        own = error.get("source_column") or (error.get("detail") if error["rule"] == "missing-column" else "")
        key = (error.get("column") or "", own or "", error["rule"])  # a missing column is its own group
        buckets.setdefault(key, []).append(error)
    sizes = {key: len(rows) for key, rows in buckets.items()}
    for count in counts or []:
        key = (count.get("column") or "", count.get("source_column") or "", count["rule"])
        if key in buckets:
            sizes[key] = int(count["count"])
    ordered = sorted(buckets.items(), key=lambda item: (-sizes[item[0]], item[0]))
    groups = []
    for number, ((column, source_column, rule), rows) in enumerate(ordered, start=1):
        first = rows[0]
        detail = first.get("detail") or ""
        en, fr = _explained(rule, column_label(source_column, column), detail, (first["message_en"],
                                                                                  first["message_fr"]))
        values = [str(r["value"]) for r in rows if r.get("value") not in (None, "")]
        bound = rule in ("minimum", "maximum") and values
        groups.append(ProblemGroup(
            number=number, column=column or None, source_column=source_column or None, rule=rule,
            count=sizes[(column, source_column, rule)],
            explanation_en=en, explanation_fr=fr, example=_example(rule, detail, examples.get(column)), rows=rows,
            found=_ordered(values) if bound else None,
            allowed=(f"≥ {detail}" if rule == "minimum" else f"≤ {detail}") if bound else None))
    return groups


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    width: float  # share of the chart's width, 0-100


def bars(counts: Counter[str], top: int = 10) -> list[Bar]:
    """The ``top`` largest counts, as bars scaled to the largest."""
    items = counts.most_common(top)
    largest = items[0][1] if items else 1
    return [Bar(label, count, round(100 * count / largest, 1)) for label, count in items]


def chart_data(groups: list[ProblemGroup]) -> dict[str, list[Bar]]:
    """Problems per column and per rule."""
    columns: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    for group in groups:
        columns[group.label] += group.count
        rules[group.rule] += group.count
    return {"columns": bars(columns), "rules": bars(rules)}
