"""Property-based, beside tests/readers/test_hostile_bytes.py: hostile zip deliveries (member names, sizes,
flags, encryption bits, any byte changed) and hostile row operations of a version 2 mapping never raise; every
source record is published, quarantined or filtered; row operations never make more records at once, per record
or per file than the budget allows. A fixed, derandomised example budget: CI runs the same examples every time."""

from __future__ import annotations

import io
import struct
import zipfile

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.intake import Limits
from accord.mapping.rows import RecordBudget, shape
from accord.process import process_extract
from accord.validation import row_schema
from tests.conftest import SAMPLES
from tests.mapping.test_language_v2 import _mapping

BUDGET = settings(max_examples=80, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
DELIVERY = SAMPLES / "msa" / "dossiers_2026-11.zip"
REASONS = {"format", "delivery", "decompression-bomb", "encrypted", "corrupt-archive", "missing-column",
           "unreadable", "encoding", "empty", "no-header", "too-many-columns", "reserved-column", "duplicate-label",
           "line-too-long"}
with zipfile.ZipFile(DELIVERY) as _archive:
    MEMBERS = {info.filename: _archive.read(info) for info in _archive.infolist()}
NAMES = st.sampled_from(["personnes.csv", "versements.csv", "dir/versements.csv", "../personnes.csv",
                         "/abs/versements_2.csv", "personnes.csv.bak", "versements.CSV", "x" * 300, "é.csv", ""])


@st.composite
def deliveries(draw) -> bytes:
    members = dict(MEMBERS)
    for _ in range(draw(st.integers(0, 3))):
        members[draw(NAMES)] = draw(st.binary(max_size=200)) if draw(st.booleans()) else MEMBERS["versements.csv"]
    buffer = io.BytesIO()
    method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            if name:
                archive.writestr(name, data)
    data = bytearray(buffer.getvalue())
    for _ in range(draw(st.integers(0, 4))):  # flags, sizes, CRCs, methods, or any byte
        kind = draw(st.sampled_from(["flag", "size", "crc", "method", "byte"]))
        headers = [i for i in range(len(data) - 4) if data[i:i + 4] in (b"PK\x03\x04", b"PK\x01\x02")]
        at = draw(st.sampled_from(headers))
        central = data[at:at + 4] == b"PK\x01\x02"
        offset = {"flag": 8 if central else 6, "method": 10 if central else 8, "crc": 16 if central else 14,
                  "size": 24 if central else 22}.get(kind)
        if offset is None:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        elif kind == "flag":
            data[at + offset] |= draw(st.sampled_from([0x1, 0x8, 0x40]))
        elif kind == "method":
            struct.pack_into("<H", data, at + offset, draw(st.sampled_from([1, 6, 12, 14, 99, 0xFFFF])))
        else:
            struct.pack_into("<I", data, at + offset, draw(st.integers(0, 2**32 - 1)))
    return bytes(data)


@BUDGET
@given(payload=deliveries())
def test_hostile_deliveries_are_answers_and_every_record_is_accounted(tmp_path, mappings, payload):
    file = tmp_path / "dossiers_2026-12.zip"
    file.write_bytes(payload)
    for target in ("msa/person", "msa/benefit_payment"):
        mapping = mappings[target]
        frames = process_extract(file, mapping, row_schema(mapping.contract), limits=Limits(max_zip_ratio=1000))
        if frames.rejected is not None:
            assert frames.rejection_reason in REASONS, frames.rejected
            continue
        published = frames.records_published if frames.records_published is not None else frames.rows_published
        assert frames.rows_in == published + frames.rows_quarantined + frames.rows_filtered


PARTS = st.text(st.sampled_from(list("ab|,; ")), max_size=30)
OPERATIONS = st.lists(st.sampled_from(["explode_a", "explode_b", "unpivot", "filter"]), min_size=1, max_size=4)


@BUDGET
@given(a=st.lists(st.none() | PARTS, min_size=1, max_size=8), operations=OPERATIONS,
       per_record=st.integers(1, 20), per_file=st.integers(1, 60), at_once=st.integers(1, 25),
       separator=st.sampled_from(["|", ",", ", ", ";"]))
def test_hostile_row_operations_stay_in_their_budget_and_account_for_every_record(
        payment, a, operations, per_record, per_file, at_once, separator):
    rows = []
    made_columns = set()
    for op in operations:
        if op == "explode_a":
            rows.append({"explode": {"column": "A", "separator": separator}})
        elif op == "explode_b":
            rows.append({"explode": {"column": "B", "separator": separator}})
        elif op == "unpivot" and not made_columns:
            rows.append({"unpivot": {"columns": ["C", "D"], "name": "K", "value": "V"}})
            made_columns.add("K")
        elif op == "filter":
            rows.append({"filter": {"drop_if": {"column": "A", "equals": "a"}}})
    if not rows:
        return
    mapping = _mapping(payment, {"payment_id": {"from": "A"}, "person_id": {"from": "B"},
                                 "program_code": {"constant": "HOUSING"}, "amount": {"constant": "1.00"},
                                 "currency": {"constant": "CAD"}, "payment_date": {"constant": "2026-11-02"},
                                 "status": {"constant": "PAID"}}, rows=rows)
    n = len(a)
    raw = pl.DataFrame({"_source_row": list(range(2, n + 2)), "A": a, "B": list(reversed(a)),
                        "C": ["1"] * n, "D": [None if i % 2 else "2" for i in range(n)]},
                       schema={"_source_row": pl.Int64, "A": pl.String, "B": pl.String, "C": pl.String,
                               "D": pl.String})
    budget = RecordBudget(per_record=per_record, per_file=per_file, at_once=max(at_once, per_record))
    parts = list(shape(mapping.spec, raw, budget))
    made = [p.frame for p in parts if not p.frame.is_empty()]
    produced = set(pl.concat([m.select("_source_row") for m in made]).get_column("_source_row")) if made else set()
    filtered = {r for p in parts for r in p.filtered.get_column("_source_row")}
    refused = {r for p in parts for r in p.too_many.get_column("_source_row")}
    assert produced | filtered | refused == set(range(2, n + 2))
    assert not (produced & refused) and not (produced & filtered)
    for frame in made:
        per = frame.group_by("_source_row").len().get_column("len")
        assert per.max() <= per_record
    assert budget.made <= per_file
