"""Lint findings in French. Each English message form of the mapping lint (and of the YAML loader and the
spec validation beneath it) has its French form here, matched as a whole; a message with no French form (a
library's) is shown in English. ``tests/mapping/test_lint_fr.py`` checks that every form the lint tests meet
has one."""

from __future__ import annotations

import re
from dataclasses import replace

from accord.findings import Finding

Q = r"'([^']*)'"  # a quoted name in an English message
_FORMS: list[tuple[str, str]] = [
    # the YAML loader
    (r"a tab character is used for indentation: YAML only allows spaces \(replace each tab by spaces, two per "
     r"level\)", "une tabulation sert à indenter : YAML n'accepte que des espaces (remplacez chaque tabulation "
                 "par des espaces, deux par niveau)"),
    (r"invalid YAML: (.*) \(a value holding ': ' must be in quotes, or a key is indented under a line that "
     r"already has a value\)", r"YAML invalide : \1 (une valeur contenant « : » doit être entre guillemets, ou "
                               r"une clé est indentée sous une ligne qui a déjà une valeur)"),
    (r"invalid YAML: (.*) \(check the indentation of this line against the lines above\)",
     r"YAML invalide : \1 (vérifiez l'indentation de cette ligne par rapport aux lignes au-dessus)"),
    (r"invalid YAML: (.*)", r"YAML invalide : \1"),
    (rf"duplicate key {Q}", r"clé en double « \1 »"),
    (r"anchors and aliases \(& and \*\) are not allowed: write the value out in full",
     "les ancres et alias (& et *) ne sont pas permis : écrivez la valeur en entier"),
    (r"file not found", "fichier introuvable"),
    (r"is a folder, not a file", "est un dossier, pas un fichier"),
    (r"file is larger than (\d+) bytes", r"le fichier dépasse \1 octets"),
    (r"not UTF-8 text \((.*)\)", r"ce n'est pas du texte UTF-8 (\1)"),
    (r"a mapping must be a YAML mapping", "un mapping doit être un dictionnaire YAML (des clés: valeurs)"),
    # the spec's validation (pydantic)
    (r"Field required", "champ obligatoire absent"),
    (r"Input should be a valid string", "la valeur doit être un texte"),
    (r"Input should be a valid integer.*", "la valeur doit être un nombre entier"),
    (r"Input should be a valid boolean.*", "la valeur doit être true ou false"),
    (r"Input should be a valid list", "la valeur doit être une liste"),
    (r"Input should be a valid dictionary.*", "la valeur doit être un ensemble de clés: valeurs"),
    (r"Input should be (.*) or (.*)", r"la valeur doit être \1 ou \2"),
    (r"Input should be (.*)", r"la valeur doit être \1"),
    (r"give exactly one of (.*) \(got (.*)\)", r"donnez exactement un de \1 (reçu : \2)"),
    (r"give exactly one of (.*)", r"donnez exactement un de \1"),
    (r"a step has exactly one of (.*) \(got (.*)\)", r"une étape a exactement une clé parmi \1 (reçu : \2)"),
    (r"a row operation is exactly one of (.*) \(got (.*)\)",
     r"une opération sur les lignes est exactement une de \1 (reçu : \2)"),
    (r"'otherwise' goes with 'when'", "« otherwise » va avec « when »"),
    # the mapping lint
    (rf"unknown key {Q}", r"clé inconnue « \1 »"),
    (rf"did you mean {Q}\?", r"vouliez-vous dire « \1 » ?"),
    (r"known keys: (.*)", r"clés connues : \1"),
    (rf"{Q} belongs under {Q}: indent it by two more spaces", r"« \1 » va sous « \2 » : indentez-la de deux "
                                                                r"espaces de plus"),
    (r'the value was read as empty \(YAML reads null and ~ that way\): write it in quotes, "null"',
     'la valeur a été lue comme vide (YAML lit ainsi null et ~) : écrivez-la entre guillemets, "null"'),
    (r'the value was read as the number (.*): write it in quotes, "(.*)"',
     r'la valeur a été lue comme le nombre \1 : écrivez-la entre guillemets, "\2"'),
    (r'the value was read as (true|false): write it in quotes, "(.*)"',
     r'la valeur a été lue comme \1 : écrivez-la entre guillemets, "\2"'),
    (r"regular expression does not compile: (.*)", r"l'expression régulière ne compile pas : \1"),
    (rf"{Q} reads the text as the field's type, so it must be the last step",
     r"« \1 » lit le texte dans le type du champ : ce doit être la dernière étape"),
    (r"move it to the end of 'steps'", "placez-la à la fin de « steps »"),
    (rf"{Q} cannot produce the (\S+) field {Q}", r"« \1 » ne peut pas produire le champ \2 « \3 »"),
    (rf"{Q} produces (.*) or (\S+)", r"« \1 » produit \2 ou \3"),
    (rf"{Q} produces (\S+)", r"« \1 » produit \2"),
    (rf"codes do not apply to the list field {Q} \(its items are checked against the contract as they are\)",
     r"les codes ne s'appliquent pas au champ liste « \1 » (ses éléments sont vérifiés tels quels)"),
    (rf"{Q} is not a code of contract field {Q}", r"« \1 » n'est pas un code du champ « \2 » du contrat"),
    (rf"constant {Q} is not a code of contract field {Q}",
     r"la constante « \1 » n'est pas un code du champ « \2 » du contrat"),
    (r"allowed: (.*)", r"permis : \1"),
    (rf"the code map of {Q} is empty: every value would be unmapped",
     r"la table de codes de « \1 » est vide : aucune valeur n'aurait de correspondance"),
    (r"list the agency's codes and the contract code each one becomes",
     "listez les codes de l'organisme et le code du contrat que chacun devient"),
    (rf"format {Q} contradicts day_first: (true|false)", r"le format « \1 » contredit day_first: \2"),
    (r"Excel serial numbers are read for date fields only",
     "les numéros de série Excel ne sont lus que pour les champs date"),
    (rf"code list file {Q} not found", r"fichier de codes « \1 » introuvable"),
    (r"lookups read the tables of contracts/reference/", "les recherches lisent les tables de contracts/reference/"),
    (rf"'items' reads an array, but {Q} is a (.*)", r"« items » lit une liste, mais « \1 » est un champ \2"),
    (rf"{Q} is not a field of contract (.*)", r"« \1 » n'est pas un champ du contrat \2"),
    (r"fields: (.*)", r"champs : \1"),
    (r"required contract fields not produced: (.*)", r"champs obligatoires du contrat non produits : \1"),
    (r"add an entry under 'fields' for each \(from, constant, \.\.\.\)",
     "ajoutez une entrée sous « fields » pour chacun (from, constant, ...)"),
    (rf"agency {Q} does not match the folder {Q}", r"l'organisme « \1 » ne correspond pas au dossier « \2 »"),
    (rf"pattern {Q} overlaps pattern {Q} of (\S+): a file named {Q} would match both, and intake refuses such a "
     "file as ambiguous", r"le motif « \1 » recoupe le motif « \2 » de \3 : un fichier nommé « \4 » correspondrait "
     "aux deux, et l'intake refuse un tel fichier comme ambigu"),
    (r"give each mapping file of the agency its own file names",
     "donnez à chaque fichier de mapping de l'organisme ses propres noms de fichiers"),
    (r"contract (\S+) v(\d+) is already the target at position (\d+), which reads the file (\S+): the targets of "
     r"one contract read the same file", r"le contrat \1 v\2 est déjà la cible en position \3, qui lit le fichier "
     r"\4 : les cibles d'un même contrat lisent le même fichier"),
    # lint with a sample
    (rf"column {Q} is not in the sample (.*)", r"la colonne « \1 » n'est pas dans l'échantillon \2"),
    (r"the sample's columns: (.*)", r"colonnes de l'échantillon : \1"),
    (rf"none of the (\d+) sample values of {Q} reads as a (\S+) with (.*)",
     r"aucune des \1 valeurs de l'échantillon de « \2 » ne se lit comme \3 avec \4"),
    (r"the sample reads as (\S+): (.*)", r"l'échantillon se lit avec \1 : \2"),
    (rf"first value: {Q}", r"première valeur : « \1 »"),
    (rf"codes of the sample that the map of {Q} does not list: (.*)",
     r"codes de l'échantillon absents de la table de « \1 » : \2"),
    (r"add them to the map, or say unmapped: null or keep",
     "ajoutez-les à la table, ou indiquez unmapped: null ou keep"),
    (r"the sample cannot be read: (.*)", r"l'échantillon ne peut pas être lu : \1"),
]
_COMPILED = [(re.compile(en, re.DOTALL), fr) for en, fr in _FORMS]
_ROWS = re.compile(r"\((\d+) rows?\)")


def french(text: str) -> str:
    """The French form of a lint message or hint (the English text when it has none)."""
    for pattern, fr in _COMPILED:
        if pattern.fullmatch(text):
            translated = pattern.sub(fr, text)
            return _ROWS.sub(lambda m: f"({m.group(1)} ligne{'s' if int(m.group(1)) > 1 else ''})", translated)
    return text


def has_french(text: str) -> bool:
    return any(pattern.fullmatch(text) for pattern, _ in _COMPILED)


def in_language(finding: Finding, lang: str) -> Finding:
    """The finding with its message and hint in ``lang`` (``en`` or ``fr``)."""
    if lang != "fr":
        return finding
    return replace(finding, message=french(finding.message), hint=french(finding.hint) if finding.hint else "")
