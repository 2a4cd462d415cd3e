from __future__ import annotations

import codecs
import datetime as dt
import json

import polars as pl
import pytest
from openpyxl import Workbook

from accord.errors import ExtractRejected
from accord.mapping.source_spec import SourceSpec
from accord.readers import read_extract
from accord.readers.text import FALLBACK_CANDIDATES, detect_encoding
from tests.conftest import SAMPLES


def test_cp1252_csv_detected_without_declaring_it(tmp_path):
    file = tmp_path / "x.csv"
    file.write_bytes("NOM;PRENOM\r\nBélanger;Évelyne\r\nCôté;Marie-Ève\r\n".encode("cp1252"))
    raw = read_extract(file, SourceSpec(format="csv", delimiter=";"))
    assert raw.encoding is not None and raw.encoding.replace("_", "").lower() in ("cp1252", "windows1252")
    assert raw.frame.rows() == [(2, "Bélanger", "Évelyne"), (3, "Côté", "Marie-Ève")]


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path):
    file = tmp_path / "x.csv"
    file.write_bytes("\ufeffid,name\n1,Zoë\n".encode())
    raw = read_extract(file, SourceSpec(format="csv"))
    assert raw.frame.columns == ["_source_row", "id", "name"]


def test_ragged_rows_are_reported_with_their_line_not_padded(tmp_path):
    file = tmp_path / "x.csv"
    file.write_text("a,b,c\n1,2,3\n4,5\n6,7,8,9\n\n10,11,12\n")
    raw = read_extract(file, SourceSpec(format="csv"))
    assert raw.frame.rows() == [(2, "1", "2", "3"), (6, "10", "11", "12")]
    assert raw.malformed.select("_source_row", "rule", "value", "detail").rows() == [
        (3, "malformed-record", "4,5", "2 fields where the header has 3"),
        (4, "malformed-record", "6,7,8,9", "4 fields where the header has 3"),
    ]
    assert raw.rows_in == 4


def test_embedded_newline_keeps_the_starting_line_number(tmp_path):
    file = tmp_path / "x.csv"
    file.write_text('id,note\n1,"two\nlines"\n2,plain\n')
    raw = read_extract(file, SourceSpec(format="csv"))
    assert raw.frame.rows() == [(2, "1", "two\nlines"), (4, "2", "plain")]


@pytest.mark.parametrize(
    ("header", "reason", "message"),
    [
        ("a,b,a", "duplicate-header", "duplicate column names in header: a"),
        ("a,,c", "blank-header", "header has empty column names at positions [2]"),
    ],
)
def test_bad_headers_reject_the_file(tmp_path, header, reason, message):
    file = tmp_path / "x.csv"
    file.write_text(header + "\n1,2,3\n")
    with pytest.raises(ExtractRejected) as caught:
        read_extract(file, SourceSpec(format="csv"))
    assert (caught.value.reason, caught.value.message) == (reason, message)
    assert caught.value.file == str(file)


def test_wrong_declared_encoding_rejects_with_offset(tmp_path):
    file = tmp_path / "x.csv"
    file.write_bytes("a\né\n".encode("cp1252"))
    with pytest.raises(ExtractRejected, match="bytes at offset 2 are not valid utf-8"):
        read_extract(file, SourceSpec(format="csv", encoding="utf-8"))


def test_excel_dates_numbers_and_spreadsheet_row_numbers(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["Title row"])
    sheet.append(["id", "born", "amount", "flag"])
    sheet.append(["A", dt.date(1970, 1, 15), 12.0, True])
    sheet.append([None, None, None, None])
    sheet.append(["B", dt.datetime(1980, 2, 3, 10, 30), 12.5, False])
    file = tmp_path / "x.xlsx"
    book.save(file)
    raw = read_extract(file, SourceSpec(format="excel", sheet="Data", header_row=2))
    assert raw.frame.rows() == [(3, "A", "1970-01-15", "12", "true"), (5, "B", "1980-02-03T10:30:00", "12.5", "false")]


def test_excel_unknown_sheet_and_not_a_workbook(tmp_path):
    sample = SAMPLES / "nho" / "clients_2026-11.xlsx"
    with pytest.raises(ExtractRejected, match=r"sheet 'Feuil1' not found \(sheets: Clients\)"):
        read_extract(sample, SourceSpec(format="excel", sheet="Feuil1"))
    fake = tmp_path / "fake.xlsx"
    fake.write_text("id,name\n1,x\n")
    with pytest.raises(ExtractRejected) as caught:
        read_extract(fake, SourceSpec(format="excel"))
    assert caught.value.reason == "format"


def test_ndjson_bad_lines_are_malformed_records(tmp_path):
    file = tmp_path / "x.ndjson"
    file.write_text('{"id": 1, "n": "a", "tags": ["x"]}\n\n{"id": 2,\n[1, 2]\n{"id": 3, "extra": true}\n')
    raw = read_extract(file, SourceSpec(format="ndjson"))
    assert raw.frame.columns == ["_source_row", "id", "n", "tags", "extra"]
    assert raw.frame.rows() == [(1, "1", "a", '["x"]', None), (5, "3", None, None, "true")]
    assert raw.malformed.select("_source_row", "detail").rows() == [
        (3, "invalid JSON at column 10: Expecting property name enclosed in double quotes"),
        (4, "not a JSON object"),
    ]


def test_json_array(tmp_path):
    file = tmp_path / "x.json"
    file.write_text(json.dumps([{"id": "a"}, 5, {"id": "b"}]))
    raw = read_extract(file, SourceSpec(format="json"))
    assert raw.frame.rows() == [(1, "a"), (3, "b")]
    assert raw.malformed.select("_source_row", "value").rows() == [(2, "5")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Bélanger;Évelyne".encode("cp1252"), "cp1252"),
        ("12 000,00 € — Côté".encode("cp1252"), "cp1252"),
        ("Bélanger".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "Zoë".encode(), "utf-8-sig"),
        ("Zoë".encode("utf-16"), "utf-16"),
        (b"ascii only", "utf-8"),
    ],
)
def test_detect_encoding(data, expected):
    assert detect_encoding(data) == expected


def test_bytes_undefined_in_cp1252_fall_back_to_charset_normalizer():
    data = "Ça coûte 5 $ à Montréal".encode("cp850") + b"\x81\x8d"
    assert detect_encoding(data) in FALLBACK_CANDIDATES


def test_fast_path_and_exact_parser_agree(tmp_path, monkeypatch):
    from accord.readers import csv_reader

    file = tmp_path / "x.csv"
    file.write_bytes("a;b;c\r\n1;é;3\r\n\r\n4;5\r\n6;7;8;9\r\n10;;12\r\n".encode("cp1252"))
    source = SourceSpec(format="csv", delimiter=";")
    fast = read_extract(file, source)
    monkeypatch.setattr(csv_reader, "_one_record_per_line", lambda *args: None)
    exact = read_extract(file, source)
    assert fast.frame.equals(exact.frame)
    assert fast.malformed.equals(exact.malformed)
    assert fast.frame.rows() == [(2, "1", "é", "3"), (6, "10", "", "12")]
    assert fast.malformed.select("_source_row", "detail").rows() == [
        (4, "2 fields where the header has 3"), (5, "4 fields where the header has 3")]


ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="Clients">
<table:table-row>
 <table:table-cell office:value-type="string"><text:p>Client ID</text:p></table:table-cell>
 <table:table-cell office:value-type="string"><text:p>DOB</text:p></table:table-cell>
 <table:table-cell office:value-type="string"><text:p>Amount</text:p></table:table-cell>
</table:table-row>
<table:table-row>
 <table:table-cell office:value-type="string"><text:p>NHO-1</text:p></table:table-cell>
 <table:table-cell office:value-type="date" office:date-value="1970-01-15"><text:p>15/01/70</text:p></table:table-cell>
 <table:table-cell office:value-type="float" office:value="12.5"><text:p>12,50</text:p></table:table-cell>
</table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"""


def test_opendocument_spreadsheet_with_typed_cells(tmp_path):
    """An .ods written by hand (a zip holding content.xml): the date cell arrives as ISO text, the number as
    its value, not as the locale's display text."""
    import zipfile

    file = tmp_path / "clients.ods"
    with zipfile.ZipFile(file, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest xmlns:manifest='
                         '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
        # office suites write no white space between elements (calamine refuses it, cleanly)
        archive.writestr("content.xml", "".join(line.strip() + (" " if line.endswith('"') else "")
                                                for line in ODS_CONTENT.splitlines()))
    raw = read_extract(file, SourceSpec(format="excel", sheet="Clients"))
    assert raw.frame.columns == ["_source_row", "Client ID", "DOB", "Amount"]
    assert raw.frame.rows() == [(2, "NHO-1", "1970-01-15", "12.5")]


@pytest.mark.parametrize("block_bytes", [1, 2, 3, 5, 7, 64])
def test_reading_in_blocks_of_any_size_gives_the_same_records(tmp_path, block_bytes):
    """Blocks cut through a two-byte character and a CRLF; the quote that switches to the exact parser comes
    after the first block. Every block size gives the records of a single read."""
    from accord.intake.limits import Limits
    from accord.readers.base import concat_batches
    from accord.readers.csv_reader import iter_csv

    file = tmp_path / "x.csv"
    lines = ["a;b;c", "1;é;3", "", "4;5", "6;7;8;9", "10;;12", '13;"x;\r\ny";15', "16;17;18"]
    file.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
    source = SourceSpec(format="csv", delimiter=";")
    joined = concat_batches(iter_csv(file, source, Limits(), block_bytes=block_bytes))
    assert joined.frame.rows() == [(2, "1", "é", "3"), (6, "10", "", "12"), (7, "13", "x;\r\ny", "15"),
                                   (9, "16", "17", "18")]
    assert joined.malformed.select("_source_row", "detail").rows() == [
        (4, "2 fields where the header has 3"), (5, "4 fields where the header has 3")]


@pytest.mark.parametrize("block_bytes", [1, 3, 1024])
def test_undecodable_byte_offset_is_counted_from_the_start_of_the_file(tmp_path, block_bytes):
    from accord.intake.limits import Limits
    from accord.readers.csv_reader import iter_csv

    file = tmp_path / "x.csv"
    file.write_bytes("id\nabc\nxé\n".encode("cp1252"))
    with pytest.raises(ExtractRejected, match="bytes at offset 8 are not valid utf-8"):
        list(iter_csv(file, SourceSpec(format="csv", encoding="utf-8"), Limits(), block_bytes=block_bytes))


def test_the_formats_read_in_batches_are_those_with_the_streamed_size_limit():
    from accord.intake.limits import STREAMED_FORMATS
    from accord.readers import STREAMED, WHOLE

    assert set(STREAMED) == set(STREAMED_FORMATS)
    assert not set(WHOLE) & set(STREAMED_FORMATS)


def test_a_stray_quote_costs_its_own_line_only_in_200000_records(tmp_path):
    """Resynchronisation: a quote opened and never closed swallows the lines after it until the value limit;
    those lines are read again on their own, so only the line with the stray quote is lost (the catalogue's
    200,000-record case lost 2,433 valid records before). A stray quote closed by a later one gives back the lines
    between the two and the closing line (a quote inside a value that is not quoted is a character)."""
    lines = ["ID,NAME,AMOUNT"] + [f"{n},name {n},{n}.00" for n in range(1, 200_001)]
    lines[1000] = '1000,"stray name,1000.00'  # never closed
    lines[150_000] = '150000,bad "name,150000.00'  # a quote inside a value that is not quoted: kept as text
    lines[150_010] = '150010,"closes,150010.00'  # opens a value that the quote of line 150,013 closes
    lines[150_013] = '150013,name" 150013,150013.00'
    file = tmp_path / "catalogue.csv"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    raw = read_extract(file, SourceSpec(format="csv", delimiter=",", quote='"'))
    bad = raw.malformed.get_column("_source_row").to_list()
    assert bad == [1001, 150_011]
    assert raw.frame.height == 200_000 - 2
    assert raw.frame.filter(pl.col("_source_row") == 150_014).row(0)[1:] == ("150013", 'name" 150013', "150013.00")
    assert raw.frame.filter(pl.col("_source_row") == 1002).row(0)[1:] == ("1001", "name 1001", "1001.00")
    assert raw.frame.get_column("_source_row").is_sorted()
