"""The engine on the bundled sample extracts: exact quarantine reasons and source rows, row accounting."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import polars as pl
import pytest

from accord.agency import run_agency
from accord.process import process_extract
from accord.publish.quarantine import error_report
from accord.publish.tables import Table
from accord.reasons import with_messages
from accord.validation import row_schema
from tests.conftest import SAMPLES
from tests.helpers import table_frame

EXPECTED_ERRORS = {
    ("rrn/person", "personnes_2026-11.csv"): [
        (6, "sin", "pattern", "12345"),
        (7, "birth_date", "type-error", "31/02/1980"),
        (8, "sex", "unmapped-code", "Z"),
    ],
    ("rrn/benefit_payment", "paiements_2026-11.csv"): [
        (6, "amount", "type-error", "abc"),
        (7, "amount", "minimum", "-50,00"),
    ],
    ("nho/person", "clients_2026-11.xlsx"): [
        (4, "family_name", "required", None),
        (5, "postal_code", "pattern", "90210"),
        (8, "person_id", "unique", "NHO-507"),
        (9, "person_id", "unique", "NHO-507"),
    ],
    ("cba/person", "people_2026-11.ndjson"): [
        (3, "birth_date", "minimum", "1890-01-01"),
        (6, "province", "unmapped-code", "ZZ"),
        (7, None, "malformed-record", '{"id": "CBA-9007", "last_name": "Broken"'),
    ],
    ("cba/benefit_payment", "payments_2026-11.csv"): [
        (6, "payment_date", "type-error", "2026-13-01"),
        (9, "amount", "type-error", '=HYPERLINK("http://x.invalid")'),
    ],
}
EXPECTED_COUNTS = {  # rows in, published, quarantined
    "rrn/person": (12, 9, 3),  # the November file; December's 3 rows are all valid
    "rrn/benefit_payment": (10, 8, 2),
    "nho/person": (10, 6, 4),
    "cba/person": (11, 8, 3),
    "cba/benefit_payment": (8, 6, 2),
}


@pytest.mark.parametrize(("name", "file"), sorted(EXPECTED_ERRORS))
def test_sample_extract_quarantine_reasons_and_rows(mappings, name, file):
    mapping = mappings[name]
    outcome = process_extract(SAMPLES / mapping.agency / file, mapping, row_schema(mapping.contract))
    assert outcome.errors.select("_source_row", "column", "rule", "value").rows() == EXPECTED_ERRORS[name, file]
    assert (outcome.rows_in, outcome.rows_published, outcome.rows_quarantined) == EXPECTED_COUNTS[name]
    assert outcome.rows_in == outcome.rows_published + outcome.rows_quarantined
    bad_rows = {row for row, *_ in EXPECTED_ERRORS[name, file]}
    assert set(outcome.published["_source_row"].to_list()).isdisjoint(bad_rows)


def test_duplicates_name_the_other_rows_that_share_the_value(mappings):
    file = SAMPLES / "nho" / "clients_2026-11.xlsx"
    mapping = mappings["nho/person"]
    frames = process_extract(file, mapping, row_schema(mapping.contract))
    report = error_report(frames.errors, mapping.agency, file.name, mapping.field_sources, mapping.examples)
    unique = report.filter(pl.col("rule") == "unique")
    assert unique.select("source_row", "detail", "message_en", "message_fr").rows() == [
        (8, "9", "Client ID (person_id) 'NHO-507' appears more than once in the extract (also on rows 9)",
         "Client ID (person_id) « NHO-507 » apparaît plus d'une fois dans l'extrait (aussi aux lignes 9)"),
        (9, "8", "Client ID (person_id) 'NHO-507' appears more than once in the extract (also on rows 8)",
         "Client ID (person_id) « NHO-507 » apparaît plus d'une fois dans l'extrait (aussi aux lignes 8)")]
    date = report.filter(pl.col("rule") == "pattern").row(0, named=True)
    assert date["message_en"] == "Postcode (postal_code) '90210' does not have the expected form (for example: H2X 1Y4)"


def test_published_values_are_harmonised(mappings):
    mapping = mappings["rrn/person"]
    outcome = process_extract(SAMPLES / "rrn" / "personnes_2026-11.csv", mapping, row_schema(mapping.contract))
    first = outcome.published.row(0, named=True)
    assert first == {
        "_source_row": 2,
        "person_id": "RRN-0001",
        "sin": "046454286",
        "family_name": "Bélanger",
        "given_name": "Évelyne",
        "birth_date": dt.date(1956, 4, 3),
        "sex": "F",
        "postal_code": "H2X 1Y4",
        "province": "QC",
        "preferred_language": "fr",
    }
    trimmed = outcome.published.filter(pl.col("person_id") == "RRN-0008").row(0, named=True)
    assert (trimmed["postal_code"], trimmed["preferred_language"]) == ("H1A 0A1", "fr")
    missing = outcome.published.filter(pl.col("person_id") == "RRN-0003").row(0, named=True)
    assert (missing["sin"], missing["postal_code"], missing["preferred_language"]) == (None, None, "en")


def test_missing_column_quarantines_every_row_with_the_reason(mappings, tmp_path):
    mapping = mappings["cba/benefit_payment"]
    file = tmp_path / "payments_2026-12.csv"
    file.write_text("payment_ref,client_id,program,amount,state\nPAY-1,C,PEN,1.00,paid\nPAY-2,C,PEN,2.00,paid\n")
    outcome = process_extract(file, mapping, row_schema(mapping.contract))
    assert (outcome.rows_in, outcome.rows_published, outcome.rows_quarantined) == (2, 0, 2)
    assert outcome.rejected == "missing-column: paid_on"
    assert outcome.errors.select("_source_row", "rule", "detail").rows() == [(1, "missing-column", "paid_on")]


def test_a_renamed_column_is_named_with_the_one_it_resembles(mappings, tmp_path):
    mapping = mappings["rrn/person"]
    sample = (SAMPLES / "rrn" / "personnes_2026-11.csv").read_bytes()
    file = tmp_path / "personnes_2026-11.csv"
    file.write_bytes(sample.replace(b"DATE_NAISS;", b"DATE_NAISSANCE;", 1))
    outcome = process_extract(file, mapping, row_schema(mapping.contract))
    assert outcome.rejected == "missing-column: DATE_NAISS (DATE_NAISSANCE?)"
    worded = with_messages(outcome.errors)
    assert worded.select("rule", "value", "detail").rows() == [("missing-column", "DATE_NAISSANCE", "DATE_NAISS")]
    assert worded["message_fr"].to_list() == [
        "la colonne « DATE_NAISS » lue par le mapping est absente du fichier, qui a « DATE_NAISSANCE » : "
        "vouliez-vous dire « DATE_NAISSANCE » ? (renommez-la, ou demandez que le mapping la lise)"]
    assert worded["message_en"].to_list() == [
        "column 'DATE_NAISS' read by the mapping is missing from the file, which has 'DATE_NAISSANCE': did you "
        "mean 'DATE_NAISSANCE'? (rename it back, or ask for the mapping to read it)"]


def _quarantine_file(data, agency, contract, source, suffix):
    sha = hashlib.sha256((SAMPLES / agency / source).read_bytes()).hexdigest()
    return data.quarantine / agency / contract / "v1" / f"{sha[:16]}-{source}.{suffix}"


def test_run_agency_writes_quarantine_and_result(mappings, data):
    result = run_agency(mappings["rrn/benefit_payment"], data)
    assert (result.rows_in, result.rows_published, result.rows_quarantined) == (10, 8, 2)
    assert result.rule_counts == {"minimum": 1, "type-error": 1}
    assert result.dataset_rules_success
    errors_csv = _quarantine_file(data, "rrn", "benefit_payment", "paiements_2026-11.csv", "errors.csv")
    report = pl.read_csv(errors_csv, infer_schema=False)
    assert report.columns == [
        "agency",
        "source_file",
        "source_row",
        "source_column",
        "column",
        "rule",
        "value",
        "detail",
        "message_en",
        "message_fr",
    ]
    assert report.rows()[1] == (
        "rrn",
        "paiements_2026-11.csv",
        "7",
        "MONTANT",
        "amount",
        "minimum",
        "'-50,00",
        "0",
        "MONTANT (amount) '-50,00' is below the minimum 0",  # the agency's column, the contract's field
        "MONTANT (amount) « -50,00 » est inférieur au minimum 0",
    )
    rows = pl.read_parquet(_quarantine_file(data, "rrn", "benefit_payment", "paiements_2026-11.csv", "rows.parquet"))
    assert rows.select("_source_row", "NO_PAIEMENT", "MONTANT").rows() == [
        (6, "P-1005", "abc"),
        (7, "P-1006", "-50,00"),
    ]
    [record] = result.submissions
    saved = json.loads((data.reports / "submissions" / f"{record['submission_id']}.json").read_text())
    assert (saved["rows_in"], saved["balanced"], saved["dataset_rules_success"], saved["status"]) == (
        10,
        True,
        True,
        "processed",
    )


def test_formula_values_are_neutralised_in_the_error_csv(mappings, data):
    run_agency(mappings["cba/benefit_payment"], data, dataset_rules=False)
    report = pl.read_csv(
        _quarantine_file(data, "cba", "benefit_payment", "payments_2026-11.csv", "errors.csv"), infer_schema=False
    )
    assert report.filter(pl.col("source_row") == "9")["value"].to_list() == ['\'=HYPERLINK("http://x.invalid")']
    for column in ("value", "detail", "message_en", "message_fr"):
        assert not report[column].str.contains(r"^[=+\-@]").any(), column


def test_rerun_replaces_partition_without_duplicates(mappings, data):
    mapping = mappings["nho/person"]
    run_agency(mapping, data, dataset_rules=False)
    run_agency(mapping, data, dataset_rules=False)
    agencies = table_frame(data, mapping.contract, "agencies")
    assert agencies.height == 6 and set(agencies["_submission_id"]) == {"nho-45f7c41741286f5c"}
    assert Table(data, mapping.contract, "agencies").version() == 0  # the second run had nothing to commit


def test_unreadable_file_is_rejected_not_crashing(mappings, data):
    (data.landing / "nho" / "clients_2026-12.xlsx").write_bytes(b"PK\x03\x04 truncated")
    result = run_agency(mappings["nho/person"], data, dataset_rules=False)
    assert result.rejected == ["clients_2026-12.xlsx"]
    [rejected] = [s for s in result.submissions if s["status"] == "rejected"]
    assert rejected["rejected"] == ("corrupt-archive: the spreadsheet is damaged or truncated (its zip directory "
                                    "cannot be read): make it again and send the new file")
    assert (result.rows_in, result.rows_published, result.rows_quarantined) == (10, 6, 4)


def test_batches_duplicates_across_them_and_records_as_received(mappings, tmp_path, monkeypatch):
    """Read in blocks of 150 bytes (a few lines each), a duplicated person_id twelve lines apart is found
    across batches; both records are quarantined as they were sent, and the outcome equals a one-batch read."""
    from accord.readers import csv_reader

    mapping = mappings["rrn/person"]
    lines = (SAMPLES / "rrn" / "personnes_2026-11.csv").read_bytes().decode("cp1252").splitlines()
    copy = lines[2].replace("RRN-0002", "RRN-0002").replace("123456782", "130692544")  # same id, other SIN
    file = tmp_path / "personnes_2027-01.csv"
    file.write_bytes("\r\n".join([*lines, copy]).encode("cp1252") + b"\r\n")
    whole = process_extract(file, mapping, row_schema(mapping.contract))
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 150)
    batched = process_extract(file, mapping, row_schema(mapping.contract))
    assert batched.errors.equals(whole.errors) and batched.quarantined.equals(whole.quarantined)
    assert batched.published.sort("_source_row").equals(whole.published.sort("_source_row"))
    assert batched.errors.filter(pl.col("rule") == "unique").select("_source_row", "column", "value").rows() == [
        (3, "person_id", "RRN-0002"), (14, "person_id", "RRN-0002")]
    assert (batched.rows_in, batched.rows_published, batched.rows_quarantined) == (13, 8, 5)
    assert batched.quarantined.filter(pl.col("NO_DOSSIER") == "RRN-0002").select("_source_row", "NAS").rows() == [
        (3, "123456782"), (14, "130692544")]


def _with_policy(mapping, policy: str):
    import dataclasses

    source = mapping.spec.source.model_copy(update={"extra_columns": policy})
    return dataclasses.replace(mapping, spec=mapping.spec.model_copy(update={"source": source}))


@pytest.mark.parametrize(("policy", "extra", "rejected", "published"), [
    ("warn", ["REMARQUE"], None, 9),
    ("ignore", [], None, 9),
    ("reject", [], "extra-column: REMARQUE", 0),
])
def test_columns_the_mapping_does_not_read(mappings, tmp_path, policy, extra, rejected, published):
    from accord.process import stream_extract

    lines = (SAMPLES / "rrn" / "personnes_2026-11.csv").read_bytes().replace(b"\r\n", b"\n").split(b"\n")
    extended = [line + (b";REMARQUE" if i == 0 else b";x") if line else line for i, line in enumerate(lines)]
    file = tmp_path / "personnes_2026-11.csv"
    file.write_bytes(b"\n".join(extended))
    mapping = _with_policy(mappings["rrn/person"], policy)
    outcome = stream_extract(file, mapping, row_schema(mapping.contract), tmp_path / "work")
    assert (outcome.extra_columns, outcome.rejected, outcome.rows_in, outcome.rows_published) == (
        extra, rejected, 12, published)
    assert outcome.rows_published + outcome.rows_quarantined == 12
    if rejected:
        assert outcome.rejection_reason == "extra-column"
        assert outcome.error_records().filter(pl.col("rule") == "extra-column").select(
            "_source_row", "detail").rows() == [(1, "REMARQUE")]


@pytest.mark.parametrize(("order", "rejected"), [
    ("any", None),
    ("mapping", "column-order: 'NAS' comes where the mapping reads 'NO_DOSSIER' (column 1 of those it reads)"),
])
def test_column_order_is_checked_when_the_mapping_asks(mappings, tmp_path, order, rejected):
    import dataclasses

    from accord.process import stream_extract

    lines = (SAMPLES / "rrn" / "personnes_2026-11.csv").read_bytes().replace(b"\r\n", b"\n").split(b"\n")
    swapped = [b";".join([line.split(b";")[1], line.split(b";")[0], *line.split(b";")[2:]]) if line else line
               for line in lines]  # NAS before NO_DOSSIER
    file = tmp_path / "personnes_2026-11.csv"
    file.write_bytes(b"\n".join(swapped))
    mapping = mappings["rrn/person"]
    source = mapping.spec.source.model_copy(update={"column_order": order})
    mapping = dataclasses.replace(mapping, spec=mapping.spec.model_copy(update={"source": source}))
    outcome = stream_extract(file, mapping, row_schema(mapping.contract), tmp_path / "work")
    assert outcome.rejected == rejected
    assert (outcome.rows_in, outcome.rows_published + outcome.rows_quarantined) == (12, 12)
    assert outcome.rows_published == (0 if rejected else 9)
    if rejected:
        [error] = outcome.error_records().filter(pl.col("rule") == "column-order").with_columns().rows(named=True)
        assert (error["_source_row"], error["column"]) == (1, None)
