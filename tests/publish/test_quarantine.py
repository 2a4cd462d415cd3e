"""errors.csv: a report without its messages is worded slice by slice, and the file is the one a single pass
writes, byte for byte (header once, same quoting, formula values neutralised in every slice)."""

from __future__ import annotations

import polars as pl

from accord.publish import quarantine
from accord.publish.quarantine import error_report, write_errors_csv
from accord.reasons import error_frame


def test_errors_csv_worded_in_slices_is_the_same_file(tmp_path, monkeypatch):
    records = [(n, "sin" if n % 3 else None, "pattern" if n % 3 else "malformed-record",
                f"=cmd{n}" if n % 7 == 0 else f'12"3,{n}', "^[0-9]{9}$" if n % 3 else "bad line")
               for n in range(2, 40)]
    errors = error_frame(records)
    examples = {"sin": "046454286"}
    whole = error_report(errors, "rrn", "personnes.csv", {"sin": "NAS"}, examples)
    write_errors_csv(whole, tmp_path / "whole.csv")
    monkeypatch.setattr(quarantine, "MESSAGED_ROWS", 5)
    plain = error_report(errors, "rrn", "personnes.csv", {"sin": "NAS"}, messages=False)
    assert "message_en" not in plain.columns
    write_errors_csv(plain, tmp_path / "sliced.csv", examples=examples)
    text = (tmp_path / "sliced.csv").read_text(encoding="utf-8")
    assert text == (tmp_path / "whole.csv").read_text(encoding="utf-8")
    assert text.count("agency,source_file") == 1 and "'=cmd7" in text
    assert "(for example: 046454286)" in text
    assert pl.read_csv(tmp_path / "sliced.csv", infer_schema=False).height == 38


def test_an_empty_report_still_has_its_header(tmp_path):
    plain = error_report(error_frame([]), "rrn", "x.csv", {}, messages=False)
    write_errors_csv(plain, tmp_path / "e.csv")
    assert (tmp_path / "e.csv").read_text().startswith("agency,source_file,source_row,source_column,column,rule")
