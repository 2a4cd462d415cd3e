"""The same table saved another way (issue 27): rrn's extract re-saved by Excel (UTF-8 with BOM, commas) and as a
workbook is read, publishes the same rows as the original, and the report says how it was read; a mapping with
``strict_format`` refuses it naming what the file is; a zip or a PDF for a CSV mapping is named for what it is."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile

import openpyxl
import polars as pl
import pytest

from accord.errors import ExtractRejected
from accord.intake.claims import judge_name
from accord.process import process_extract
from accord.reports.check import check_extract
from accord.validation import row_schema
from tests.conftest import SAMPLES

ORIGINAL = SAMPLES / "rrn" / "personnes_2026-11.csv"


def _rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(ORIGINAL.read_bytes().decode("cp1252")), delimiter=";"))


def excel_resave(path):
    """What Excel's "CSV UTF-8" gives: a byte-order mark, commas, CRLF."""
    out = io.StringIO()
    csv.writer(out, delimiter=",", lineterminator="\r\n").writerows(_rows())
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    return path


def workbook(path):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in _rows():
        sheet.append(row)  # every cell text, as typed (NAS keeps its leading zero)
    book.save(path)
    return path


def _published(frames) -> pl.DataFrame:
    return frames.published.drop("_source_row").sort("person_id")


@pytest.mark.parametrize("make, notes", [
    (excel_resave, [("saved with commas between values instead of semicolons: read anyway",
                     "enregistré avec des virgules au lieu de points-virgules : lu quand même"),
                    ("encoded in UTF-8 with a byte-order mark instead of cp1252: read anyway",
                     "encodé en UTF-8 avec marque d'ordre (BOM) au lieu de cp1252 : lu quand même")]),
    (workbook, [("saved as an Excel workbook (.xlsx) instead of CSV: read anyway",
                 "enregistré comme un classeur Excel (.xlsx) au lieu de CSV : lu quand même")]),
])
def test_a_resaved_extract_publishes_the_same_rows(mappings, tmp_path, make, notes):
    mapping = mappings["rrn/person"]
    schema = row_schema(mapping.contract)
    original = process_extract(ORIGINAL, mapping, schema)
    name = "personnes_2026-11.csv" if make is excel_resave else "personnes_2026-11.xlsx"
    resaved = process_extract(make(tmp_path / name), mapping, schema)
    assert resaved.outcome.rejected is None
    assert (resaved.outcome.rows_in, resaved.outcome.rows_published, resaved.outcome.rows_quarantined) == (
        original.outcome.rows_in, original.outcome.rows_published, original.outcome.rows_quarantined) == (12, 9, 3)
    assert _published(resaved).equals(_published(original))
    assert resaved.errors.select("_source_row", "column", "rule").rows() == \
        original.errors.select("_source_row", "column", "rule").rows()
    assert [(n["en"], n["fr"]) for n in resaved.outcome.read_notes] == notes
    report, _ = check_extract(tmp_path / name, mapping)
    assert report.warnings("fr")[:len(notes)] == [fr for _, fr in notes]


def test_the_workbook_is_claimed_by_the_csv_mapping_by_its_name(mappings):
    rrn = [m for m in mappings.values() if m.agency == "rrn"]
    verdict = judge_name("rrn", "personnes_2026-11.xlsx", rrn)
    assert [m.name for m in verdict.mappings] == ["rrn/person"]
    assert judge_name("rrn", "personnes_2026-11.pdf", rrn).reason == "unclaimed"


def test_strict_format_refuses_the_resave_naming_what_it_is(mappings, tmp_path):
    mapping = mappings["rrn/person"]
    strict = mapping.__class__(**{**mapping.__dict__, "spec": mapping.spec.model_copy(update={
        "source": mapping.spec.source.model_copy(update={"strict_format": True})})})
    book = process_extract(workbook(tmp_path / "personnes_2026-11.xlsx"), strict, row_schema(mapping.contract))
    assert book.outcome.rejected == ("wrong-format: the file is an Excel workbook (.xlsx), and this mapping reads "
                                     "csv only (strict_format): save it as CSV")
    resaved = process_extract(excel_resave(tmp_path / "personnes_2026-11.csv"), strict, row_schema(mapping.contract))
    assert resaved.outcome.rejection_reason == "missing-column"
    assert resaved.outcome.read_notes == []


def test_a_zip_or_a_pdf_for_a_csv_mapping_is_named_for_what_it_is(mappings, tmp_path):
    mapping = mappings["rrn/person"]
    archive = tmp_path / "personnes_2026-11.csv"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(ORIGINAL, "personnes_2026-11.csv")
    zipped = process_extract(archive, mapping, row_schema(mapping.contract))
    assert zipped.outcome.rejected == (
        "wrong-format: the file is a zip archive, not csv text: send the csv extract itself")
    pdf = tmp_path / "personnes_2026-12.csv"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    assert process_extract(pdf, mapping, row_schema(mapping.contract)).outcome.rejected.startswith(
        "wrong-format: the file is a PDF document, not csv text")


def test_a_file_that_is_as_declared_gets_no_note(mappings, tmp_path):
    mapping = mappings["rrn/person"]
    copy = tmp_path / "personnes_2026-11.csv"
    shutil.copyfile(ORIGINAL, copy)
    assert process_extract(copy, mapping, row_schema(mapping.contract)).outcome.read_notes == []


def test_shift_jis_without_a_declared_encoding_is_detected_not_called_mixed(mappings, tmp_path):
    """Shift_JIS bytes can look like UTF-8 sequences by chance; charset-normalizer reads the text clean in cp932
    (a UTF-8 file with Latin-1 bytes, read as Big5, is not clean: still refused as mixed, test_bad_inputs)."""
    from accord.readers.text import detect_encoding

    text = "id;nom;ville\n" + "".join(f"{i};山田太郎{i};東京都新宿区西新宿二丁目{i}\n" for i in range(50))
    assert detect_encoding(text.encode("shift_jis")) == "cp932"
    assert detect_encoding(text.encode("gb18030")) == "gb18030"
    with pytest.raises(ExtractRejected, match="mixed encodings"):
        detect_encoding(("Hélène;" * 3 + "\n").encode("utf-8") + "Gérard\n".encode("cp1252"))


def test_a_zip_given_to_mapping_suggest_is_named_for_what_it_is(person, registry, tmp_path):
    from accord.mapping.draft_view import draft

    archive = tmp_path / "dossiers_2026-11.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(ORIGINAL, "personnes.csv")
    with pytest.raises(ExtractRejected) as refused:
        draft(archive, person, registry, "rrn")
    assert (refused.value.reason, refused.value.message) == ("wrong-format", (
        "the sample is a zip archive, not a table: draft from one of the files it holds (a zip delivery's mapping "
        "names each file: docs/mappings.md, deliveries)"))


def test_a_wrong_declared_encoding_says_what_the_text_looks_like(mappings, tmp_path):
    mapping = mappings["rrn/person"]  # declares cp1252
    text = ORIGINAL.read_bytes().decode("cp1252").splitlines()[0] + "\n" + "".join(
        f"RRN-{i:04d};046454286;山田、太郎;花子。;03/04/1956;F;H2X 1Y4;QC;Anglais\n" for i in range(40))
    shift_jis = tmp_path / "personnes_2026-11.csv"
    shift_jis.write_bytes(text.encode("cp932"))
    outcome = process_extract(shift_jis, mapping, row_schema(mapping.contract)).outcome
    assert outcome.rejection_reason == "encoding"
    assert outcome.rejected.endswith("are not valid cp1252; the file looks like cp932 text: re-export it in cp1252, "
                                     "or ask for the mapping's encoding")
