"""The words of the report, in English and French: ``texts(lang)`` gives the template one language."""

from __future__ import annotations

import datetime as dt

LANGS = ("en", "fr")

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Check report", "Rapport de vérification"),
    "other_lang": ("Français", "English"),
    "status.clean": ("Accepted", "Accepté"),
    "status.quarantined": ("Accepted with rows set aside", "Accepté avec des lignes mises de côté"),
    "status.unreadable": ("Refused", "Refusé"),
    "file": ("File", "Fichier"),
    "agency": ("Agency", "Organisme"),
    "contract": ("Contract", "Contrat"),
    "checked_at": ("Checked at", "Vérifié le"),
    "counts": ("Counts", "Décompte"),
    "rows_in": ("rows read", "lignes lues"),
    "rows_valid": ("valid rows", "lignes valides"),
    "rows_quarantined": ("rows set aside (quarantine)", "lignes mises de côté (quarantaine)"),
    "refused_counts": ("{n} rows read, 0 published — the file is refused ({reason}): nothing of it is published "
                       "until a corrected file is sent",
                       "{n} lignes lues, 0 publiées — fichier refusé ({reason}) : rien n'en est publié tant "
                       "qu'un fichier corrigé n'est pas envoyé"),
    "rows_filtered": ("rows left out by the mapping's filters", "lignes écartées par les filtres du mapping"),
    "problems": ("problems", "problèmes"),
    "warnings": ("Warnings", "Avertissements"),
    "groups": ("Problems by column and rule", "Problèmes par colonne et par règle"),
    "groups_intro": ("Largest first. Each group opens to its rows; the full list is in errors.csv.",
                     "Les plus nombreux d'abord. Chaque groupe s'ouvre sur ses lignes ; la liste complète est "
                     "dans errors.csv."),
    "per_column": ("Problems per column", "Problèmes par colonne"),
    "per_rule": ("Problems per rule", "Problèmes par règle"),
    "column": ("Column", "Colonne"),
    "rule": ("Rule", "Règle"),
    "count": ("Count", "Nombre"),
    "label": ("Column or rule", "Colonne ou règle"),
    "row": ("Row", "Ligne"),
    "value": ("Value", "Valeur"),
    "message": ("Message", "Message"),
    "valid_example": ("A valid value:", "Une valeur valide :"),
    "found": ("Values found:", "Valeurs trouvées :"),
    "allowed": ("allowed:", "permis :"),
    "to": ("to", "à"),
    "examples": ("First rows", "Premières lignes"),
    "all_rows": ("All {n} rows of this group", "Les {n} lignes de ce groupe"),
    "first_shown": ("The first {n} are shown here; the full list is in errors.csv.",
                    "Les {n} premières sont affichées ici ; la liste complète est dans errors.csv."),
    "page": ("Page {page} of {pages}", "Page {page} sur {pages}"),
    "previous": ("Previous", "Précédente"),
    "next": ("Next", "Suivante"),
    "more_groups": ("{n} more groups: see errors.csv.", "{n} autres groupes : voir errors.csv."),
    "download_errors": ("Download every problem (errors.csv)", "Télécharger tous les problèmes (errors.csv)"),
    "dataset_rules": ("Rules on the whole file", "Règles sur l'ensemble du fichier"),
    "expectation": ("Rule", "Règle"),
    "field": ("Field", "Champ"),
    "result": ("Result", "Résultat"),
    "ok": ("passed", "respectée"),
    "failed": ("not met", "non respectée"),
    "filtered": ("Rows left out by the mapping's filters", "Lignes écartées par les filtres du mapping"),
    "reason": ("Reason", "Raison"),
    "no_problem": ("No problem found.", "Aucun problème trouvé."),
}

# the rules a row can break, named for an analyst (the code stays in the report's JSON and errors.csv)
RULES: dict[str, tuple[str, str]] = {
    "required": ("value required", "valeur obligatoire"),
    "unique": ("value repeated", "valeur en double"),
    "enum": ("code not allowed", "code non permis"),
    "pattern": ("unexpected form", "forme inattendue"),
    "format": ("wrong format", "format incorrect"),
    "type-error": ("unreadable value", "valeur illisible"),
    "minimum": ("below the minimum", "sous le minimum"),
    "maximum": ("above the maximum", "au-dessus du maximum"),
    "length": ("length out of range", "longueur hors limites"),
    "item-count": ("number of items out of range", "nombre d'éléments hors limites"),
    "unique-items": ("item repeated", "élément répété"),
    "unmapped-code": ("code not translated", "code non traduit"),
    "malformed-record": ("unreadable record", "enregistrement illisible"),
    "missing-column": ("missing column", "colonne absente"),
    "column-order": ("columns out of order", "colonnes dans le désordre"),
    "extra-column": ("unknown column", "colonne inconnue"),
    "too-many-records": ("too many records", "trop d'enregistrements"),
    "join-unmatched": ("no match in the delivery", "sans correspondance dans la livraison"),
    "join-ambiguous": ("several matches in the delivery", "plusieurs correspondances dans la livraison"),
}
# why a whole file is refused (the report's banner; the detail after it is the reader's own)
REFUSALS: dict[str, tuple[str, str]] = {
    "missing-column": ("columns the mapping reads are missing", "colonnes lues par le mapping absentes"),
    "column-order": ("columns out of the order the mapping requires", "colonnes hors de l'ordre exigé"),
    "extra-column": ("columns the mapping refuses", "colonnes refusées par le mapping"),
    "encoding": ("the text is not in the expected encoding", "le texte n'est pas dans l'encodage attendu"),
    "mixed-encoding": ("the file mixes two encodings", "le fichier mélange deux encodages"),
    "wrong-format": ("the file is not in the expected format", "le fichier n'est pas au format attendu"),
    "format": ("the file cannot be read in its format", "le fichier est illisible dans son format"),
    "corrupt-archive": ("the archive is damaged", "l'archive est endommagée"),
    "encrypted": ("the file is password-protected", "le fichier est protégé par un mot de passe"),
    "decompression-bomb": ("the archive expands beyond the limits", "l'archive se décompresse au-delà des limites"),
    "no-header": ("the file has no header row", "le fichier n'a pas de ligne d'en-tête"),
    "duplicate-header": ("two columns have the same name", "deux colonnes portent le même nom"),
    "blank-header": ("a column has no name", "une colonne n'a pas de nom"),
    "empty": ("the file is empty", "le fichier est vide"),
    "sheet": ("the sheet the mapping reads is missing", "la feuille lue par le mapping est absente"),
    "too-large": ("the file is larger than the limit", "le fichier dépasse la limite de taille"),
    "too-many-columns": ("the file has too many columns", "le fichier a trop de colonnes"),
    "too-many-cells": ("the workbook has too many cells", "le classeur a trop de cellules"),
    "line-too-long": ("a line is longer than the limit", "une ligne dépasse la longueur permise"),
}
# the contract's dataset rules as sentences ({column}: the field, when the rule has one)
DATASET: dict[str, tuple[str, str]] = {
    "columns_match_contract": ("the columns are the contract's, in its order",
                               "les colonnes sont celles du contrat, dans son ordre"),
    "row_count": ("the file has a number of rows the contract allows",
                  "le fichier a un nombre de lignes permis par le contrat"),
    "duplicated_rows": ("{column}: no value shared by two published records",
                        "{column} : aucune valeur partagée par deux enregistrements publiés"),
    "nulls": ("{column}: empty values within the contract's limit",
              "{column} : valeurs vides dans la limite du contrat"),
    "null_percent": ("{column}: share of empty values within the contract's limit",
                     "{column} : part de valeurs vides dans la limite du contrat"),
    "not_in_code_list": ("{column}: only the contract's codes", "{column} : uniquement les codes du contrat"),
    "pattern_mismatches": ("{column}: every value of the expected form",
                           "{column} : chaque valeur de la forme attendue"),
    "format_mismatches": ("{column}: every value in the expected format",
                          "{column} : chaque valeur au format attendu"),
    "below_minimum": ("{column}: no value below the minimum", "{column} : aucune valeur sous le minimum"),
    "above_maximum": ("{column}: no value above the maximum", "{column} : aucune valeur au-dessus du maximum"),
    "list_rule_mismatches": ("{column}: every list follows the contract's rules for its items",
                             "{column} : chaque liste suit les règles du contrat pour ses éléments"),
}
MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def texts(lang: str) -> dict[str, str]:
    """Every text in ``lang`` (``en`` or ``fr``): ``rule.<code>`` names a row rule, ``dataset.<check>`` says a
    dataset rule."""
    index = LANGS.index(lang)
    return {**{key: pair[index] for key, pair in TEXTS.items()},
            **{f"rule.{code}": pair[index] for code, pair in RULES.items()},
            **{f"dataset.{check}": pair[index] for check, pair in DATASET.items()}}


def local_time(value: str | None, lang: str) -> str:
    """An ISO timestamp as people write it: ``3 December 2026, 11:43 UTC`` / ``3 décembre 2026 à 11 h 43 UTC``
    (the value itself when it is not a timestamp)."""
    if not value:
        return ""
    try:
        when = dt.datetime.fromisoformat(value).astimezone(dt.UTC)
    except ValueError:
        return value
    if lang == "fr":
        return f"{when.day} {MONTHS_FR[when.month - 1]} {when.year} à {when.hour} h {when.minute:02d} UTC"
    return f"{when.day} {MONTHS_EN[when.month - 1]} {when.year}, {when.hour:02d}:{when.minute:02d} UTC"
