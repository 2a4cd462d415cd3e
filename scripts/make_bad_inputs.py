"""Write the bad-input catalogue: tests/bad_inputs/<agency>/<file>, one small hostile or broken extract each.

Each file lands in the folder of a catalogue agency (tests/bad_inputs/mappings/) by format. What accord must do
with each is asserted in tests/test_bad_inputs.py. Run: .venv/bin/python scripts/make_bad_inputs.py
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import random
import shutil
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[1] / "tests" / "bad_inputs"
HEADER = "payment_id,person_id,program,amount,paid_on,status"
GOOD = ["P1,X1,PENSION,10.00,2026-01-15,PAID", "P2,X2,HOUSING,20.50,2026-01-16,PENDING"]
FIXED = datetime_fixed = dt.datetime(2026, 1, 1)


def text(*lines: str, end: str = "\n") -> str:
    return end.join(lines) + end


def csv_files() -> dict[str, bytes]:
    utf8 = text(HEADER, *GOOD).encode()
    files = {
        "zero_byte.csv": b"",
        "header_only.csv": text(HEADER).encode(),
        "only_blank_lines.csv": b"\n\n\n",
        "bom_utf8.csv": codecs.BOM_UTF8 + utf8,
        "bom_utf16le.csv": codecs.BOM_UTF16_LE + text(HEADER, *GOOD).encode("utf-16-le"),
        "bom_utf16be.csv": codecs.BOM_UTF16_BE + text(HEADER, *GOOD).encode("utf-16-be"),
        "cp1252.csv": text(HEADER, "P1,Hélène-1,PENSION,10.00,2026-01-15,PAID").encode("cp1252"),
        "mixed_encodings.csv": text(HEADER, "P1,Hélène,PENSION,10.00,2026-01-15,PAID").encode()
        + "P2,Gérard,PENSION,10.00,2026-01-15,PAID\n".encode("cp1252"),
        "semicolon.csv": text(HEADER.replace(",", ";"), *(g.replace(",", ";") for g in GOOD)).encode(),
        "tab_delimited.csv": text(HEADER.replace(",", "\t"), *(g.replace(",", "\t") for g in GOOD)).encode(),
        "pipe_delimited.csv": text(HEADER.replace(",", "|"), *(g.replace(",", "|") for g in GOOD)).encode(),
        "crlf_and_lf.csv": (HEADER + "\r\n" + GOOD[0] + "\n" + GOOD[1] + "\r\n").encode(),
        "embedded_newline.csv": text(HEADER, 'P1,"X\n1",PENSION,10.00,2026-01-15,PAID', GOOD[1]).encode(),
        "unbalanced_quote.csv": text(HEADER, GOOD[0], 'P3,"X3,PENSION,1.00,2026-01-15,PAID', GOOD[1]).encode(),
        "ragged_rows.csv": text(HEADER, GOOD[0], "P3,X3,PENSION", "P4,X4,PENSION,1.00,2026-01-15,PAID,extra",
                                GOOD[1]).encode(),
        "trailing_delimiter.csv": text(HEADER, GOOD[0] + ",").encode(),
        "duplicate_headers.csv": text(HEADER + ",amount", GOOD[0] + ",1").encode(),
        "empty_header.csv": text("payment_id,,program,amount,paid_on,status", GOOD[0]).encode(),
        "missing_column.csv": text("payment_id,person_id,program,amount,status", "P1,X1,PENSION,10.00,PAID").encode(),
        "extra_columns.csv": text(HEADER + ",comment", GOOD[0] + ",hello").encode(),
        "field_1mb.csv": text(HEADER, f"P1,{'X' * 1_048_576},PENSION,10.00,2026-01-15,PAID", GOOD[1]).encode(),
        "columns_5000.csv": text(HEADER + "," + ",".join(f"c{i}" for i in range(4994)),
                                 GOOD[0] + "," * 4994).encode(),
        "invalid_dates.csv": text(HEADER, "P1,X1,PENSION,10.00,2023-02-30,PAID",
                                  "P2,X2,PENSION,10.00,2023-13-01,PAID", GOOD[1].replace("P2", "P3")).encode(),
        "formula_injection.csv": text(HEADER, "P1,X1,PENSION,=cmd|' /C calc'!A0,2026-01-15,PAID",
                                      "P2,@SUM(1+1),PENSION,10.00,2026-01-15,PAID").encode(),
        "unknown_codes.csv": text(HEADER, "P1,X1,LOTTERY,10.00,2026-01-15,PAID", GOOD[1]).encode(),
        "negative_amount.csv": text(HEADER, "P1,X1,PENSION,-10.00,2026-01-15,PAID", GOOD[1]).encode(),
        "too_many_decimals.csv": text(HEADER, "P1,X1,PENSION,10.005,2026-01-15,PAID", GOOD[1]).encode(),
        "blank_required.csv": text(HEADER, "P1,   ,PENSION,10.00,2026-01-15,PAID", GOOD[1]).encode(),
        "duplicate_ids.csv": text(HEADER, GOOD[0], GOOD[0].replace("X1", "X9"), GOOD[1]).encode(),
        "nul_bytes.csv": text(HEADER, GOOD[0], "P3,X\x003,PENSION,1.00,2026-01-15,PAID").encode(),
        "truncated.csv": text(HEADER, *GOOD).encode()[:-12],
        "binary_garbage.csv": bytes(random.Random(7).randrange(256) for _ in range(4096)),
        # a stray quote on line 2 opens a value that would swallow the 4000 records after it
        "stray_quote_early.csv": text(HEADER, 'P0,"X0,PENSION,1.00,2026-01-15,PAID',
                                      *(f"P{i},X{i},PENSION,10.00,2026-01-15,PAID" for i in range(1, 4001))).encode(),
        "lone_cr.csv": text(HEADER, "P1,X1,PENSION,10.00,2026-01-15,PA\rID", GOOD[1]).encode(),
        "sniffer_bomb.csv": (',"a' * 21_000 + "\n" + GOOD[0] + "\n").encode(),  # 24 s in csv.Sniffer
        "reserved_column.csv": text(HEADER + ",_source_row", GOOD[0] + ",1").encode(),
        "long_line.csv": text(HEADER, GOOD[0], "P9," + "X" * 300_000 + ",PENSION,1.00,2026-01-15,PAID",
                              GOOD[1]).encode(),  # read with max_line_bytes 200000
        "=cmd.csv": text(HEADER, "P1,X1,PENSION,abc,2026-01-15,PAID").encode(),
        "escape_sequences.csv": text(HEADER, "P1,X1,PENSION,1\x1b[31m[red]0[/red],2026-01-15,PAID").encode(),
    }
    return files


def workbook(rows: list[list[object]], sheet: str = "Data") -> bytes:
    book = Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    book.properties.created = book.properties.modified = FIXED
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_with(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def xlsx_files() -> dict[str, bytes]:
    header = HEADER.split(",")
    good = workbook([header, ["P1", "X1", "PENSION", 10.0, dt.date(2026, 1, 15), "PAID"]])
    laughs = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    sheet = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY l0 "lol">' + laughs + ']>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row></sheetData></worksheet>')
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    return {
        "valid.xlsx": good,
        "excel_serial_dates.xlsx": workbook([header, ["P1", "X1", "PENSION", 10.0, 46037, "PAID"]]),
        "formula_cells.xlsx": workbook([header, ["P1", "X1", "PENSION", "=1+1", dt.date(2026, 1, 15), "PAID"]]),
        "empty_sheet.xlsx": workbook([]),
        "wrong_sheet_name.xlsx": workbook([header], sheet="Feuil1"),
        "zip_bomb.xlsx": zip_with({"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": b"\0" * 50_000_000}),
        "xml_entity_expansion.xlsx": zip_with(parts),
        "truncated.xlsx": good[: len(good) // 2],
        "csv_named_xlsx.xlsx": text(HEADER, *GOOD).encode(),
        "zip_bomb.bin": zip_with({"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": b"\0" * 50_000_000}),
        "sparse_far_cell.xlsx": far_cell(good),
        "repeat_bomb.ods": ods_repeated(100_000, 1000),
    }


def far_cell(book: bytes) -> bytes:
    """A valid workbook plus one cell at XFD1048576: 5 KB that ask the sheet reader for 16384 x 1048576 cells."""
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>z</t></is></c></row></sheetData>'
    parts["xl/worksheets/sheet1.xml"] = sheet.replace("</sheetData>", far).encode()
    return zip_with(parts)


def ods_repeated(rows: int, columns: int) -> bytes:
    """An OpenDocument sheet whose one row of values is repeated ``rows`` times over ``columns`` columns."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        '<office:spreadsheet><table:table table:name="Data"><table:table-row>'
        + "".join(f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
                  for h in HEADER.split(","))
        + f'</table:table-row><table:table-row table:number-rows-repeated="{rows}"><table:table-cell '
        f'table:number-columns-repeated="{columns}" office:value-type="string"><text:p>x</text:p></table:table-cell>'
        '</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                'manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
                'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"/></manifest:manifest>')
    return zip_with({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": content.encode(),
                     "META-INF/manifest.xml": manifest.encode()})


def json_files() -> dict[str, bytes]:
    line = '{"payment_id": "P1", "person_id": "X1", "program": "PENSION", "amount": "10.00", ' \
           '"paid_on": "2026-01-15", "status": "PAID"}'
    return {
        "ndjson_bad_lines.ndjson": text(line, '{"payment_id": "P2", ', "[1, 2]", "", line.replace("P1", "P3")).encode(),
        "ndjson_deep_nesting.ndjson": text(line, "[" * 100_000 + "]" * 100_000).encode(),
        "json_not_an_array.json": b'{"payment_id": "P1"}',
        "json_deep_nesting.json": ("[" * 100_000 + "]" * 100_000).encode(),
        # a U+2028 inside a string is text, not a line break
        "line_separator.ndjson": text(line, line.replace("P1", "P2").replace('"X1"', '"X\u20282"')).encode(),
        "duplicate_keys.ndjson": text(line.replace('"amount": "10.00"', '"amount": "10.00", "amount": "99.00"'),
                                      line.replace("P1", "P2")).encode(),
        "huge_integer.ndjson": text(line.replace('"10.00"', "9" * 5000), line.replace("P1", "P2")).encode(),
        "nested_900.ndjson": text(line.replace('"PAID"', '"PAID", "x": ' + "[" * 900 + "]" * 900),
                                  line.replace("P1", "P2")).encode(),
        "huge_integer.json": ("[" + line.replace('"10.00"', "9" * 5000) + ", " + line.replace("P1", "P2") + "]"
                              ).encode(),
        "duplicate_keys.json": ("[" + line.replace('"P1"', '"P1", "payment_id": "P7"') + ", "
                                + line.replace("P1", "P2") + "]").encode(),
    }


def parquet_files() -> dict[str, bytes]:
    table = pa.table({"payment_id": ["P1", "P2"], "person_id": ["X1", "X2"], "program": ["PENSION", "NOPE"],
                      "amount": [10.0, 20.5], "paid_on": [dt.date(2026, 1, 15), dt.date(2026, 1, 16)],
                      "status": ["PAID", "PAID"]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    data = buffer.getvalue()
    value = "x" * 100_000  # 600,000 times one dictionary value: 1.8 KB on disk, 60 GB decoded
    bomb = pa.table({"payment_id": pa.DictionaryArray.from_arrays(pa.array([0] * 600_000, pa.int32()),
                                                                  pa.array([value]))})
    buffer = io.BytesIO()
    pq.write_table(bomb, buffer, compression="zstd")
    return {"valid.parquet": data, "corrupt.parquet": data[:100] + b"\0" * 50 + data[150:],
            "dictionary_bomb.parquet": buffer.getvalue()}


def fixed_width_files() -> dict[str, bytes]:
    def row(*values: str) -> str:
        widths = (8, 8, 10, 10, 10, 9)
        return "".join(v.ljust(w) for v, w in zip(values, widths, strict=True))

    good = [row("P1", "X1", "PENSION", "10.00", "2026-01-15", "PAID"), row("P2", "X2", "HOUSING", "20.50",
                                                                          "2026-01-16", "PENDING")]
    return {"fixed_width.txt": text(*good).encode(),
            "fixed_width_long_line.txt": text(good[0] + "  overflow", good[1]).encode(),
            # an ASCII file separator inside a value: a character of the value, not a line break
            "file_separator.txt": text(good[0].replace("X1      ", "X\x1c1     "), good[1]).encode()}


def main() -> None:
    groups = {"lab_csv": csv_files(), "lab_xlsx": xlsx_files(), "lab_ndjson": {k: v for k, v in json_files().items()
                                                                               if k.endswith(".ndjson")},
              "lab_json": {k: v for k, v in json_files().items() if k.endswith(".json")},
              "lab_parquet": parquet_files(), "lab_fw": fixed_width_files()}
    for agency, files in groups.items():
        folder = ROOT / agency
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
    print(sum(len(f) for f in groups.values()), "files")


if __name__ == "__main__":
    main()
