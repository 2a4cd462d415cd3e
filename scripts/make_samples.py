"""Write the bundled sample extracts under samples/landing/ (four fictional agencies).

Every bad row is deliberate and listed in docs/samples.md with the reason it must be quarantined.
Run: .venv/bin/python scripts/make_samples.py
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[1] / "samples" / "landing"
NBSP = "\u00a0"

# Régie des rentes du Nord (rrn): cp1252, ';', DD/MM/YYYY, decimal commas, French codes, "N/D" for missing.
RRN_PERSONS = [
    "NO_DOSSIER;NAS;NOM;PRENOM;DATE_NAISS;SEXE;CODE_POSTAL;PROV;LANGUE",
    "RRN-0001;046454286;Bélanger;Évelyne;03/04/1956;F;h2x 1y4;QC;Français",
    "RRN-0002;123456782;Tremblay;Jean-François;15/11/1948;H;G1R 2B5;QC;Français",
    "RRN-0003;;Côté;Marie-Ève;29/02/1960;F;N/D;QC;Anglais",
    "RRN-0004;987654324;O'Brien;Patrick;01/07/1972;H;K1A 0B1;ON;Anglais",
    "RRN-0005;12345;Gagnon;Luc;12/12/1965;H;J8X 3X5;QC;Français",  # bad: NAS not 9 digits
    "RRN-0006;234567897;Roy;Chantal;31/02/1980;F;H3Z 2Y7;QC;Français",  # bad: 31 February
    "RRN-0007;345678901;Lavoie;Denis;05/05/1959;Z;G5L 3A1;QC;Français",  # bad: sex code Z
    "RRN-0008;456789012;Bouchard;Nathalie;20/08/1983;F;  H1A 0A1 ;QC;  Français  ",
    "RRN-0009;567890123;Morin;Sylvie;14/03/1990;X;E1A 1A1;NB;Français",
    "RRN-0010;678901234;Fortin;Pierre;30/09/1944;H;;QC;Français",
    "RRN-0011;789012345;Gauthier;Hélène;07/01/1977;F;J4B 5E3;QC;",
    "RRN-0012;890123456;Pelletier;Ginette;22/06/1951;F;G0A 1A0;QC;Anglais",
]
# A second monthly submission: two people re-sent with changes (they replace the November records in the
# integrated dataset) and one new person.
RRN_PERSONS_DECEMBER = [
    "NO_DOSSIER;NAS;NOM;PRENOM;DATE_NAISS;SEXE;CODE_POSTAL;PROV;LANGUE",
    "RRN-0002;123456782;Tremblay;Jean-François;15/11/1948;H;G1R 3C7;QC;Français",
    "RRN-0010;678901234;Fortin;Pierre;30/09/1944;H;G6V 4Z2;QC;Anglais",
    "RRN-0013;901234567;Caron;Mélanie;11/11/1987;F;G8T 1A1;QC;Français",
]
RRN_PAYMENTS = [
    "NO_PAIEMENT;NO_DOSSIER;PROGRAMME;MONTANT;DATE_PAIEMENT;STATUT",
    "P-1001;RRN-0001;RETRAITE;1 234,56;15/10/2026;PAYE",
    "P-1002;RRN-0002;RETRAITE;987,10;15/10/2026;PAYE",
    "P-1003;RRN-0004;INVALIDITE;2 105,00;15/10/2026;ANNULE",
    "P-1004;RRN-0008;LOGEMENT;450,00;01/11/2026;EN_ATTENTE",
    "P-1005;RRN-0009;FAMILLE;abc;01/11/2026;PAYE",  # bad: amount not a number
    "P-1006;RRN-0010;RETRAITE;-50,00;15/11/2026;PAYE",  # bad: negative amount
    "P-1007;RRN-0011;FAMILLE;312,45;15/11/2026;PAYE",
    "P-1008;RRN-0012;RETRAITE;1 050,00;15/11/2026;PAYE",
    f"P-1009;RRN-0003;LOGEMENT;12{NBSP}000,00;15/11/2026;PAYE",
    "P-1010;RRN-0001;RETRAITE;1 234,56;15/11/2026;PAYE",
]

# Northern Housing Office (nho): an Excel workbook, English headers, full province names, date cells.
NHO_HEADER = ["Client ID", "Surname", "First Name", "Middle Name", "DOB", "Gender", "Postcode", "Province",
              "SIN", "Language"]
NHO_ROWS = [
    ["NHO-501", "Smith", "John", "Robert", dt.date(1970, 1, 15), "Male", "P3A 1B2", "Ontario", 130692544, "E"],
    ["NHO-502", "Nguyen", "Linh", None, dt.date(1985, 6, 30), "Female", "R3C 4T3", "Manitoba", 193456787, "E"],
    ["NHO-503", None, "Anna", None, dt.date(1990, 2, 2), "Female", "P7B 5E1", "Ontario", None, "F"],  # bad
    ["NHO-504", "Tremblay", "Marc", "André", dt.date(1962, 9, 9), "Male", "90210", "Ontario", None, "F"],  # bad
    ["NHO-505", "Wilson", "Sam", None, dt.date(2001, 12, 1), "Non-binary", "P1H 2J3", "Ontario", None, "E"],
    ["NHO-506", "Cardinal", "Rose", "Marie", dt.date(1955, 4, 4), "Female", "X0A 0H0", "Nunavut", None, "E"],
    ["NHO-507", "Lee", "David", None, dt.date(1978, 8, 18), "Male", "R2C 0A1", "Manitoba", None, "E"],  # dup
    ["NHO-507", "Lee", "Daniel", None, dt.date(1979, 8, 19), "Male", "R2C 0A2", "Manitoba", None, "E"],  # dup
    ["NHO-509", "MORIN", "Claire", None, dt.date(1988, 11, 11), "Female", "P3E 6B4", "Ontario", None, "F"],
    # rrn's Jean-François Tremblay: names swapped, accents lost, no SIN, moved to Ontario
    ["NHO-510", "Jean-Francois", "Tremblay", None, dt.date(1948, 11, 15), "Male", "K7L 3N6", "Ontario", None, "E"],
]

# Coastal Benefits Agency (cba): UTF-8 NDJSON people and a UTF-8 CSV of payments, English codes.
CBA_PEOPLE = [
    {"id": "CBA-9001", "last_name": "MacDonald", "first_name": "Fiona", "birth_date": "1968-05-21",
     "gender": "f", "postal_code": "B3H 4R2", "province": "NS", "sin": "146454281", "lang": "EN"},
    {"id": "CBA-9002", "last_name": "Doucet", "first_name": "André", "birth_date": "1975-10-02",
     "gender": "m", "postal_code": "E1C 4M3", "province": "NB", "sin": None, "lang": "FR"},
    {"id": "CBA-9003", "last_name": "Chiasson", "first_name": "Yvette", "birth_date": "1890-01-01",
     "gender": "f", "postal_code": "E1A 7R1", "province": "NB", "sin": None, "lang": "FR"},  # bad: too old
    {"id": "CBA-9004", "last_name": "Power", "first_name": "Seán", "birth_date": "1980-03-17",
     "gender": "M", "postal_code": "A1C 5M2", "province": "NL", "sin": "246454289", "lang": "EN"},
    {"id": "CBA-9005", "last_name": "Gallant", "first_name": "Lucie", "birth_date": "1992-07-07",
     "gender": "x", "postal_code": "C1A 4P3", "province": "PE", "sin": None, "lang": "ES"},
    {"id": "CBA-9006", "last_name": "Murphy", "first_name": "Kate", "birth_date": "1983-01-30",
     "gender": "f", "postal_code": "B2N 5E3", "province": "ZZ", "sin": None, "lang": "EN"},  # bad: province
    '{"id": "CBA-9007", "last_name": "Broken"',  # bad: truncated JSON
    # rrn's Pierre Fortin, two SIN digits swapped
    {"id": "CBA-9008", "last_name": "Fortin", "first_name": "Pierre", "birth_date": "1944-09-30",
     "gender": "m", "postal_code": None, "province": "PE", "sin": "678901243", "lang": "FR"},
    # rrn's Évelyne Bélanger: accents lost, family name in capitals, moved to Nova Scotia; the same SIN
    {"id": "CBA-9009", "last_name": "BELANGER", "first_name": "Evelyne", "birth_date": "1956-04-03",
     "gender": "f", "postal_code": "B0J 2L0", "province": "NS", "sin": "046454286", "lang": "EN"},
    {"id": "CBA-9010", "last_name": "LeBlanc", "first_name": "Rémi", "birth_date": "1971-06-06",
     "gender": "m", "postal_code": "E4P 1A1", "province": "NB", "sin": None, "lang": "FR"},
    # nho's John Robert Smith? The same names, born a year apart, elsewhere, no SIN: for a steward to decide
    {"id": "CBA-9011", "last_name": "Smith", "first_name": "John Robert", "birth_date": "1971-01-15",
     "gender": "m", "postal_code": "B3K 6R8", "province": "NS", "sin": None, "lang": "EN"},
]
CBA_PAYMENTS = [
    "payment_ref,client_id,program,amount,paid_on,state",
    'PAY-1,CBA-9001,PEN,"1,250.00",2026-10-31,paid',
    "PAY-2,CBA-9002,DIS,980.5,2026-10-31,paid",
    "PAY-3,CBA-9004,HOU,400,2026-10-31,void",
    "PAY-4,CBA-9005,FAM,215.75,2026-11-15,pending",
    'PAY-5,CBA-9008,PEN,"2,010.40",2026-13-01,paid',  # bad: month 13
    "PAY-6,CBA-9009,FAM,215.75,2026-11-15,paid",
    "PAY-7,CBA-9010,PEN,1100.00,2026-11-15,paid",
    'PAY-8,CBA-9011,HOU,"=HYPERLINK(""http://x.invalid"")",2026-11-15,paid',  # bad: formula, not an amount
]


# Maritime Support Agency (msa): one monthly delivery, a zip of two related files (UTF-8, ';'): its people
# (French province names, draft files to leave out) and its payments, several per cell ("day=amount|...").
MSA_PEOPLE = [
    "DOSSIER;NOM;PRENOM;NAISSANCE;SEXE;CODE_POSTAL;PROVINCE;LANGUE;ETAT",
    "MSA-0001;Arsenault;Marie;12/03/1980;F;e1a 1a1;Nouveau-Brunswick;fr;ACTIF",
    "MSA-0002;Cormier;Luc;30/07/1975;M;B3H 1A1;Nouvelle-Écosse;en;ACTIF",
    "MSA-0003;LeBlanc;Anne;05/01/1990;F;C1A 1A1;Île-du-Prince-Édouard;fr;BROUILLON",  # filtered: a draft file
    "MSA-0004;Gallant;Paul;11/11/1968;M;E1C 4M3;Nouveau-Brunswick;fr;ACTIF",
    "MSA-0005;Morin;Silvie;14/03/1990;X;;Québec;fr;ACTIF",  # rrn's Sylvie Morin, a typo, no postal code
    "MSA-0006;Doucet;Marc;09/09/1972;M;E4L 1A1;Acadie;fr;ACTIF",  # bad: Acadie is no province
]
MSA_PAYMENTS = [
    "DOSSIER;PROGRAMME;MOIS;VERSEMENTS",
    "MSA-0001;LOGEMENT;2026-11;01=250,00|15=250,00",
    "MSA-0002;LOGEMENT;2026-11;01=100,00",
    "MSA-0003;LOGEMENT;2026-11;01=75,00",  # filtered: its person is a draft
    "MSA-0004;FAMILLE;2026-11;01=300,00|15=3OO,00",  # bad: letter O in the second amount
    "MSA-0009;FAMILLE;2026-11;01=50,00",  # bad: no such person in the delivery
    "MSA-0005;LOGEMENT;2026-11;",  # filtered: no payment this month
]
ZIP_TIME = (2026, 11, 1, 0, 0, 0)


def _delivery(path: Path, members: dict[str, list[str]]) -> None:
    """A zip with fixed member dates, so the bytes (and the submission id) are the same at every run."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, lines in members.items():
            archive.writestr(zipfile.ZipInfo(name, ZIP_TIME), "\n".join(lines) + "\n",
                             compress_type=zipfile.ZIP_DEFLATED)


def main() -> None:
    for agency in ("rrn", "nho", "cba", "msa"):
        (ROOT / agency).mkdir(parents=True, exist_ok=True)
    (ROOT / "rrn" / "personnes_2026-11.csv").write_bytes(("\r\n".join(RRN_PERSONS) + "\r\n").encode("cp1252"))
    (ROOT / "rrn" / "personnes_2026-12.csv").write_bytes(
        ("\r\n".join(RRN_PERSONS_DECEMBER) + "\r\n").encode("cp1252"))
    (ROOT / "rrn" / "paiements_2026-11.csv").write_bytes(("\r\n".join(RRN_PAYMENTS) + "\r\n").encode("cp1252"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Clients"
    sheet.append(NHO_HEADER)
    for row in NHO_ROWS:
        sheet.append(row)
    for cell in sheet["E"][1:]:
        cell.number_format = "yyyy-mm-dd"
    workbook.properties.created = workbook.properties.modified = dt.datetime(2026, 11, 1)
    workbook.save(ROOT / "nho" / "clients_2026-11.xlsx")
    lines = [p if isinstance(p, str) else json.dumps(p, ensure_ascii=False) for p in CBA_PEOPLE]
    (ROOT / "cba" / "people_2026-11.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (ROOT / "cba" / "payments_2026-11.csv").write_text("\n".join(CBA_PAYMENTS) + "\n", encoding="utf-8")
    _delivery(ROOT / "msa" / "dossiers_2026-11.zip", {"personnes.csv": MSA_PEOPLE, "versements.csv": MSA_PAYMENTS})


if __name__ == "__main__":
    main()
