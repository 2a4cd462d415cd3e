"""The words of the report, in English and French: ``texts(lang)`` gives the template one language."""

from __future__ import annotations

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


def texts(lang: str) -> dict[str, str]:
    """Every text in ``lang`` (``en`` or ``fr``)."""
    index = LANGS.index(lang)
    return {key: pair[index] for key, pair in TEXTS.items()}
