"""The bad-input catalogue (tests/bad_inputs/, written by scripts/make_bad_inputs.py): every file goes
through intake and processing and ends in a specific, expected outcome; nothing raises and, for every file,
rows in = published + quarantined."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from accord.contracts import ContractRegistry
from accord.intake import Intake
from accord.mapping import load_mappings
from accord.settings import data_dirs
from accord.submission import process_submission
from tests.conftest import ROOT

CATALOGUE_DIR = ROOT / "tests" / "bad_inputs"

# (agency, file) -> ("rejected", reason) | (rows in, published, quarantined, {rule: count})
CATALOGUE: dict[tuple[str, str], tuple] = {
    ("lab_csv", "zero_byte.csv"): ("rejected", "empty"),
    ("lab_csv", "header_only.csv"): (0, 0, 0, {}),
    ("lab_csv", "only_blank_lines.csv"): ("rejected", "no-header"),
    ("lab_csv", "bom_utf8.csv"): (2, 2, 0, {}),
    ("lab_csv", "bom_utf16le.csv"): (2, 2, 0, {}),
    ("lab_csv", "bom_utf16be.csv"): (2, 2, 0, {}),
    ("lab_csv", "cp1252.csv"): (1, 1, 0, {}),
    ("lab_csv", "mixed_encodings.csv"): ("rejected", "mixed-encoding"),
    ("lab_csv", "semicolon.csv"): (2, 2, 0, {}),
    ("lab_csv", "tab_delimited.csv"): (2, 2, 0, {}),
    ("lab_csv", "pipe_delimited.csv"): (2, 2, 0, {}),
    ("lab_csv", "crlf_and_lf.csv"): (2, 2, 0, {}),
    ("lab_csv", "embedded_newline.csv"): (2, 2, 0, {}),
    # the quote opened on line 3 is never closed: lines 3 and 4 are each quarantined, with their raw text
    ("lab_csv", "unbalanced_quote.csv"): (3, 2, 1, {"malformed-record": 1}),  # the line after it is read again
    ("lab_csv", "ragged_rows.csv"): (4, 2, 2, {"malformed-record": 2}),
    ("lab_csv", "trailing_delimiter.csv"): (1, 0, 1, {"malformed-record": 1}),
    ("lab_csv", "duplicate_headers.csv"): ("rejected", "duplicate-header"),
    ("lab_csv", "empty_header.csv"): ("rejected", "blank-header"),
    ("lab_csv", "missing_column.csv"): ("rejected", "missing-column"),
    ("lab_csv", "extra_columns.csv"): (1, 1, 0, {}),
    ("lab_csv", "field_1mb.csv"): (2, 1, 1, {"malformed-record": 1}),
    ("lab_csv", "columns_5000.csv"): ("rejected", "too-many-columns"),
    ("lab_csv", "invalid_dates.csv"): (3, 1, 2, {"type-error": 2}),
    ("lab_csv", "formula_injection.csv"): (2, 1, 1, {"type-error": 1}),
    ("lab_csv", "unknown_codes.csv"): (2, 1, 1, {"enum": 1}),
    ("lab_csv", "negative_amount.csv"): (2, 1, 1, {"minimum": 1}),
    ("lab_csv", "too_many_decimals.csv"): (2, 1, 1, {"type-error": 1}),
    ("lab_csv", "blank_required.csv"): (2, 1, 1, {"required": 1}),
    ("lab_csv", "duplicate_ids.csv"): (3, 1, 2, {"unique": 2}),
    ("lab_csv", "nul_bytes.csv"): (2, 1, 1, {"malformed-record": 1}),
    ("lab_csv", "truncated.csv"): (2, 1, 1, {"malformed-record": 1}),
    ("lab_csv", "binary_garbage.csv"): ("rejected", "missing-column"),
    # the value opened by the stray quote of line 2 passes 100,000 characters on line 2435: line 2 is quarantined
    # with its raw text, lines 3 to 2435 are read again one by one (each a valid record), reading resumes on 2436
    ("lab_csv", "stray_quote_early.csv"): (4001, 4000, 1, {"malformed-record": 1}),
    ("lab_csv", "lone_cr.csv"): (2, 1, 1, {"malformed-record": 1}),  # one record, not two halves
    ("lab_csv", "sniffer_bomb.csv"): ("rejected", "missing-column"),  # and in milliseconds, not 24 s
    ("lab_csv", "reserved_column.csv"): ("rejected", "reserved-column"),
    ("lab_csv", "long_line.csv"): (3, 2, 1, {"malformed-record": 1}),  # max_line_bytes 200,000 (LIMITS)
    ("lab_csv", "=cmd.csv"): (1, 0, 1, {"type-error": 1}),
    ("lab_csv", "escape_sequences.csv"): (1, 0, 1, {"type-error": 1}),
    ("lab_xlsx", "valid.xlsx"): (1, 1, 0, {}),
    ("lab_xlsx", "excel_serial_dates.xlsx"): (1, 0, 1, {"type-error": 1}),
    ("lab_xlsx", "formula_cells.xlsx"): (1, 0, 1, {"required": 1}),  # no cached value: nothing to trust
    ("lab_xlsx", "empty_sheet.xlsx"): ("rejected", "no-header"),
    ("lab_xlsx", "wrong_sheet_name.xlsx"): ("rejected", "sheet"),
    ("lab_xlsx", "zip_bomb.xlsx"): ("rejected", "decompression-bomb"),
    ("lab_xlsx", "xml_entity_expansion.xlsx"): ("rejected", "format"),
    ("lab_xlsx", "truncated.xlsx"): ("rejected", "corrupt-archive"),
    ("lab_xlsx", "csv_named_xlsx.xlsx"): (2, 2, 0, {}),  # the same table as CSV text: read anyway, and said so
    ("lab_xlsx", "zip_bomb.bin"): ("rejected", "decompression-bomb"),  # recognised by its bytes, not its name
    ("lab_xlsx", "sparse_far_cell.xlsx"): ("rejected", "too-many-cells"),  # before the reader allocates 512 GB
    ("lab_xlsx", "repeat_bomb.ods"): ("rejected", "too-many-cells"),
    ("lab_ndjson", "ndjson_bad_lines.ndjson"): (4, 2, 2, {"malformed-record": 2}),
    ("lab_ndjson", "ndjson_deep_nesting.ndjson"): (2, 1, 1, {"malformed-record": 1}),
    ("lab_ndjson", "line_separator.ndjson"): (2, 2, 0, {}),
    ("lab_ndjson", "duplicate_keys.ndjson"): (2, 1, 1, {"malformed-record": 1}),
    ("lab_ndjson", "huge_integer.ndjson"): (2, 1, 1, {"type-error": 1}),
    ("lab_ndjson", "nested_900.ndjson"): (2, 1, 1, {"malformed-record": 1}),
    ("lab_json", "huge_integer.json"): (2, 1, 1, {"type-error": 1}),
    ("lab_json", "duplicate_keys.json"): (2, 1, 1, {"malformed-record": 1}),
    ("lab_json", "json_deep_nesting.json"): ("rejected", "format"),
    ("lab_json", "json_not_an_array.json"): ("rejected", "format"),
    ("lab_parquet", "valid.parquet"): (2, 1, 1, {"enum": 1}),
    ("lab_parquet", "corrupt.parquet"): ("rejected", "format"),
    ("lab_parquet", "dictionary_bomb.parquet"): ("rejected", "decompression-bomb"),
    ("lab_fw", "fixed_width.txt"): (2, 2, 0, {}),
    ("lab_fw", "fixed_width_long_line.txt"): (2, 1, 1, {"malformed-record": 1}),
    ("lab_fw", "file_separator.txt"): (2, 2, 0, {}),  # \x1c is a character of the value, not a line break
}
ENVIRONMENT = {"long_line.csv": {"ACCORD_MAX_LINE_BYTES": "200000"}}  # a 300 KB line stands for a 1 GiB one


@pytest.fixture(scope="module")
def lab_mappings():
    return load_mappings(CATALOGUE_DIR / "mappings", ContractRegistry.load(ROOT / "contracts"))


def test_catalogue_is_complete_and_large_enough():
    on_disk = {(p.parent.name, p.name) for p in CATALOGUE_DIR.glob("lab_*/*")}
    assert on_disk == set(CATALOGUE)
    assert len(CATALOGUE) >= 65


def _run(agency: str, name: str, tmp_path: Path, lab_mappings, pseudonym_key):
    dirs = data_dirs(tmp_path / "data").create()
    (dirs.landing / agency).mkdir()
    shutil.copyfile(CATALOGUE_DIR / agency / name, dirs.landing / agency / name)
    intake = Intake(dirs, lab_mappings)
    pickup = intake.pickup()
    [submission] = pickup.accepted
    with pytest.MonkeyPatch.context() as patch:
        for variable, value in ENVIRONMENT.get(name, {}).items():
            patch.setenv(variable, value)
        result, _ = process_submission(submission, intake.mapping_for(submission), dirs, intake.store, pseudonym_key,
                                       dataset_rules=False)
    return dirs, result


@pytest.mark.parametrize(("agency", "name"), sorted(CATALOGUE), ids=[n for _, n in sorted(CATALOGUE)])
def test_bad_input(agency, name, tmp_path, lab_mappings, pseudonym_key):
    _, result = _run(agency, name, tmp_path, lab_mappings, pseudonym_key)
    expected = CATALOGUE[agency, name]
    assert result.rows_in == result.rows_published + result.rows_quarantined
    if expected[0] == "rejected":
        assert result.status == "rejected"
        assert result.rejected is not None and result.rejected.split(":", 1)[0] == expected[1], result.rejected
        assert result.rows_published == 0 and result.staged_file is None
    else:
        assert result.status == "processed", result.rejected
        assert (result.rows_in, result.rows_published, result.rows_quarantined, result.rule_counts) == expected


def test_decoded_text_and_row_numbers(tmp_path, lab_mappings, pseudonym_key):
    _, result = _run("lab_csv", "cp1252.csv", tmp_path / "a", lab_mappings, pseudonym_key)
    staged = pl.read_parquet(result.staged_file)
    assert staged["person_id"].to_list() == ["Hélène-1"]
    _, result = _run("lab_csv", "embedded_newline.csv", tmp_path / "b", lab_mappings, pseudonym_key)
    assert pl.read_parquet(result.staged_file)["_source_row"].to_list() == [2, 4]


def test_rejections_are_explained_to_the_agency(tmp_path, lab_mappings, pseudonym_key):
    _, result = _run("lab_xlsx", "zip_bomb.xlsx", tmp_path / "a", lab_mappings, pseudonym_key)
    assert result.rejected == ("decompression-bomb: spreadsheet expands from 48610 to 50000004 bytes (ratio 1028, "
                               "limit 100): refused as a zip bomb")
    _, result = _run("lab_csv", "columns_5000.csv", tmp_path / "b", lab_mappings, pseudonym_key)
    assert result.rejected == "too-many-columns: the file has 5000 columns, above the limit of 1000"


def test_formula_cells_are_inert_in_the_error_report(tmp_path, lab_mappings, pseudonym_key):
    _, result = _run("lab_csv", "formula_injection.csv", tmp_path, lab_mappings, pseudonym_key)
    report = pl.read_csv(result.errors_csv, infer_schema=False)
    assert report.select("source_row", "rule", "value").rows() == [("2", "type-error", "'=cmd|' /C calc'!A0")]


def test_a_formula_file_name_is_inert_in_the_error_report(tmp_path, lab_mappings, pseudonym_key):
    _, result = _run("lab_csv", "=cmd.csv", tmp_path, lab_mappings, pseudonym_key)
    report = pl.read_csv(result.errors_csv, infer_schema=False)
    assert report.select("source_file", "source_row", "rule").rows() == [("'=cmd.csv", "2", "type-error")]


def test_escape_sequences_and_markup_in_values_never_reach_the_terminal(tmp_path):
    from typer.testing import CliRunner

    from accord.cli import app

    extract = CATALOGUE_DIR / "lab_csv" / "escape_sequences.csv"
    project = tmp_path / "project"
    shutil.copytree(ROOT / "contracts", project / "contracts")
    shutil.copytree(CATALOGUE_DIR / "mappings", project / "mappings")
    result = CliRunner().invoke(app, ["check", str(extract), "--agency", "lab_csv", "--contract", "benefit_payment",
                                      "--project-dir", str(project)], color=True)
    assert result.exit_code == 1, result.output
    assert "\x1b[31m" not in result.output  # the agency's escape sequence is shown, not obeyed,
    assert "amount '1\\x1b[31m[red]0[/red]' cannot be read as a number" in result.output  # and markup is text
