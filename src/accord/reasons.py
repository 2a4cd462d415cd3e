"""Reason codes for everything wrong in an agency's rows, with messages in English and French.

An error record has: the source row (line or spreadsheet row where the record starts), the contract
column, a stable reason code (``rule``), the offending value as the agency sent it, and ``detail``
(the constraint: allowed codes, pattern, bound, expected type).
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

ROW = "_source_row"
RAW_RECORD = "_raw_record"  # quarantine column holding the text of a record that could not be parsed
RESERVED_COLUMNS = (ROW, RAW_RECORD)  # accord's own columns: a source column may not be named like one

ERROR_COLUMNS = pl.Schema(
    {ROW: pl.Int64(), "column": pl.String(), "rule": pl.String(), "value": pl.String(), "detail": pl.String()}
)

ErrorRecord = tuple[int | None, str | None, str, str | None, str | None]  # row, column, rule, value, detail


def error_frame(records: list[ErrorRecord]) -> pl.DataFrame:
    """Error records as a frame of ``ERROR_COLUMNS``."""
    return pl.DataFrame(records, schema=ERROR_COLUMNS, orient="row")


TYPE_NAMES = {
    "string": ("text", "texte"),
    "integer": ("a whole number", "un nombre entier"),
    "number": ("a number", "un nombre"),
    "boolean": ("yes/no", "oui/non"),
    "date": ("a date", "une date"),
    "timestamp": ("a date and time", "une date et heure"),
    "time": ("a time of day", "une heure"),
    "email": ("an e-mail address", "une adresse électronique"),
    "uri": ("a URI (such as https://example.org/page)", "une URI (comme https://example.org/page)"),
    "uuid": ("a UUID (8-4-4-4-12 hexadecimal digits)", "un UUID (8-4-4-4-12 chiffres hexadécimaux)"),
}

# rule -> (English, French); placeholders: {column} {value} {detail} {type_en} {type_fr}
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("{column} is required but empty",
                 "{column} est obligatoire mais vide"),
    "unique": ("{column} '{value}' appears more than once in the extract (also on rows {detail})",
               "{column} « {value} » apparaît plus d'une fois dans l'extrait (aussi aux lignes {detail})"),
    "enum": ("{column} '{value}' is not an allowed code ({detail})",
             "{column} « {value} » n'est pas un code permis ({detail})"),
    "pattern": ("{column} '{value}' does not have the expected format {detail}",
                "{column} « {value} » n'a pas le format attendu {detail}"),
    "pattern-example": ("{column} '{value}' does not have the expected form (for example: {example})",
                        "{column} « {value} » n'a pas la forme attendue (par exemple : {example})"),
    "format": ("{column} '{value}' is not {type_en}",
               "{column} « {value} » n'est pas {type_fr}"),
    "minimum": ("{column} '{value}' is below the minimum {detail}",
                "{column} « {value} » est inférieur au minimum {detail}"),
    "maximum": ("{column} '{value}' is above the maximum {detail}",
                "{column} « {value} » est supérieur au maximum {detail}"),
    "length": ("{column} '{value}' has a length outside {detail}",
               "{column} « {value} » a une longueur hors de {detail}"),
    "item-count": ("{column} '{value}' has a number of items outside {detail}",
                   "{column} « {value} » a un nombre d'éléments hors de {detail}"),
    "unique-items": ("{column} '{value}' repeats an item, and its items must all differ",
                     "{column} « {value} » répète un élément, alors que ses éléments doivent tous différer"),
    "type-error": ("{column} '{value}' cannot be read as {type_en}{formats_en}",
                   "{column} « {value} » ne peut pas être lu comme {type_fr}{formats_fr}"),
    "unmapped-code": ("{column} code '{value}' has no correspondence in the mapping (known codes: {detail})",
                      "{column} : le code « {value} » n'a pas de correspondance dans le mapping "
                      "(codes connus : {detail})"),
    "malformed-record": ("the record cannot be parsed: {detail}",
                         "l'enregistrement est illisible : {detail}"),
    "missing-column": ("column '{detail}' read by the mapping is missing from the file",
                       "la colonne « {detail} » lue par le mapping est absente du fichier"),
    "missing-column-similar": ("column '{detail}' read by the mapping is missing from the file, which has "
                               "'{value}': did you mean '{value}'? (rename it back, or ask for the mapping to "
                               "read it)",
                               "la colonne « {detail} » lue par le mapping est absente du fichier, qui a "
                               "« {value} » : vouliez-vous dire « {value} » ? (renommez-la, ou demandez que le "
                               "mapping la lise)"),
    "column-order": ("the columns are not in the order the mapping requires: {detail}",
                     "les colonnes ne sont pas dans l'ordre exigé par le mapping : {detail}"),
    "join-unmatched": ("no row of {detail} matches this record's '{value}'",
                       "aucune ligne de {detail} ne correspond à « {value} » de cet enregistrement"),
    "join-ambiguous": ("several rows of {detail} match this record's '{value}': the join cannot choose",
                       "plusieurs lignes de {detail} correspondent à « {value} » : la jointure ne peut pas choisir"),
    "too-many-records": ("this record would make {value} records through the mapping's row operations (explode, "
                         "unpivot), more than the limit of {detail} per record: it is set aside",
                         "cet enregistrement produirait {value} enregistrements par les opérations sur les lignes "
                         "du mapping (explode, unpivot), plus que la limite de {detail} par enregistrement : il est "
                         "mis de côté"),
    "too-many-records-file": ("the mapping's row operations (explode, unpivot) have made {detail} records from this "
                              "file, its limit: this record and the next ones are set aside",
                              "les opérations sur les lignes du mapping (explode, unpivot) ont produit {detail} "
                              "enregistrements de ce fichier, sa limite : cet enregistrement et les suivants sont "
                              "mis de côté"),
    "extra-column": ("column '{detail}' is not read by the mapping, which refuses unknown columns",
                     "la colonne « {detail} » n'est pas lue par le mapping, qui refuse les colonnes inconnues"),
}


def type_names(detail: str) -> tuple[str, str]:
    """What a value of this type is, in plain English and French: ``array<date>`` is a list of dates."""
    if detail.startswith("array<") and detail.endswith(">"):
        item_en, item_fr = type_names(detail[len("array<"):-1])
        return f"a list whose every item is {item_en}", f"une liste dont chaque élément est {item_fr}"
    if detail.startswith("decimal("):
        return TYPE_NAMES["number"]
    return TYPE_NAMES.get(detail, (detail, detail))


EXAMPLE_MOMENT = dt.datetime(2026, 12, 31, 13, 45, 30)


JSON_TYPES = {"string": ("a string", "une chaîne"), "number": ("a number", "un nombre"),
              "boolean": ("a boolean", "un booléen"), "object": ("an object", "un objet"),
              "array": ("an array", "un tableau")}
_JSON_DETAIL = re.compile(r"^(\S+) \[JSON (\w+), (\w+) sent\]$")


def format_examples(detail: str) -> tuple[str, list[str]]:
    """``date [%d/%m/%Y, %Y-%m-%d]`` -> the type and each format shown as the last moment of 2026 written that
    way (``31/12/2026``); no formats for a detail without them (nor for a JSON type's detail)."""
    if json := _JSON_DETAIL.match(detail):
        return json.group(1), []
    if not detail.endswith("]") or " [" not in detail:
        return detail, []
    kind, _, formats = detail[:-1].partition(" [")
    shown = []
    for fmt in formats.split(", "):
        if fmt == "Excel serial":
            shown.append("46387")
            continue
        try:
            shown.append(EXAMPLE_MOMENT.strftime(fmt.replace("%.f", "").replace("%z", "+00:00")))
        except ValueError:
            shown.append(fmt)
    return kind, shown


def _formats(detail: str) -> tuple[str, str, str]:
    """The type, and what was expected in words in English and French (``expected like 31/12/2026``; for a
    JSON value of another type, the JSON types sent and wanted)."""
    if json := _JSON_DETAIL.match(detail):
        kind, wanted, sent = json.groups()
        (sent_en, sent_fr), (wanted_en, wanted_fr) = JSON_TYPES.get(sent, (sent, sent)), JSON_TYPES.get(
            wanted, (wanted, wanted))
        return (kind, f" (the file sends {sent_en} in JSON; {wanted_en} is expected)",
                f" (le fichier envoie {sent_fr} JSON ; {wanted_fr} est attendu)")
    kind, shown = format_examples(detail)
    if not shown:
        return kind, "", ""
    written = " or ".join(shown)
    return kind, f" (expected like {written})", f" (attendu sous la forme {written.replace(' or ', ' ou ')})"


def message(rule: str, column: str | None, value: str | None, detail: str | None, lang: str,
            example: str | None = None) -> str:
    """One error message in ``lang`` (``en`` or ``fr``); ``example``: a valid value of the column, which a
    pattern error shows instead of the regular expression."""
    rule_text = "pattern-example" if rule == "pattern" and example else rule
    if rule == "too-many-records" and value is None:  # the file's limit, not the record's
        rule_text = "too-many-records-file"
    if rule == "missing-column" and value is not None:  # the file has a column that resembles it
        rule_text = "missing-column-similar"
    templates = MESSAGES.get(rule_text, ("{column}: rule {rule} failed for '{value}'",
                                         "{column} : la règle {rule} n'est pas respectée pour « {value} »"))
    kind, formats_en, formats_fr = _formats(detail or "") if rule == "type-error" else (detail or "", "", "")
    type_en, type_fr = type_names(kind)
    template = templates[0] if lang == "en" else templates[1]
    return template.format(column=column or "", value="" if value is None else value, detail=detail or "",
                           type_en=type_en, type_fr=type_fr, rule=rule, formats_en=formats_en,
                           formats_fr=formats_fr, example=example or "")


def column_label(source_column: str | None, column: str | None) -> str:
    """The agency's column, with the contract's field in parentheses when it differs: ``NAS (sin)``."""
    if source_column and column and source_column != column:
        return f"{source_column} ({column})"
    return source_column or column or ""


_VALUE = "\x00value\x00"  # where a message template takes the row's value (no agency text holds a NUL)


def with_messages(errors: pl.DataFrame, examples: dict[str, str] | None = None) -> pl.DataFrame:
    """Add ``message_en`` and ``message_fr`` columns to an error frame; ``examples``: column -> a valid value
    (the contract's ``examples``). A message names the agency's own column when the frame has
    ``source_column``, with the contract's field in parentheses when it differs (``NAS (sin)``). Each distinct
    (rule, column, detail) is worded once, in Python; the values are put in by polars, so a file with millions
    of problems costs no Python per row."""
    examples = examples or {}
    keyed = errors.with_columns(pl.col("value").is_null().alias("_no_value"))
    on = ["rule", "column", *(["source_column"] if "source_column" in errors.columns else []), "detail", "_no_value"]
    keys = keyed.select(on).unique(maintain_order=True)
    rows = keys.rows(named=True)
    templates = keys.with_columns(
        pl.Series(f"_{lang}", [message(r["rule"], column_label(r.get("source_column"), r["column"]),
                                       None if r["_no_value"] else _VALUE, r["detail"], lang,
                                       examples.get(r["column"] or "")) for r in rows], dtype=pl.String)
        for lang in ("en", "fr"))
    joined = keyed.join(templates, on=on, how="left", nulls_equal=True, maintain_order="left")
    value = pl.col("value").fill_null("")
    return joined.with_columns(pl.col("_en").str.replace_all(_VALUE, value, literal=True).alias("message_en"),
                               pl.col("_fr").str.replace_all(_VALUE, value, literal=True).alias("message_fr"),
                               ).drop("_no_value", "_en", "_fr")
