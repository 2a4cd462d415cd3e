"""Property-based: hostile CSV and NDJSON bytes never raise, and every source record is published or quarantined.

Hypothesis generates the files (a fixed, derandomised example budget, so CI runs the same examples every time).
They go through the whole engine (read, map, row rules) with a contract of two optional text fields and a
mapping that keeps values as they are (no trim, no null token), so the published values can be compared with
what was written.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.contracts import ContractRegistry
from accord.intake import Limits
from accord.mapping.loader import load_mapping
from accord.process import process_extract
from accord.validation import row_schema
from tests.helpers import person_contract_data, write_contract, write_yaml

BUDGET = settings(max_examples=120, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
FIELD_LIMIT = 60
LIMITS = Limits(max_field_chars=FIELD_LIMIT)
# text an agency system could put in a value: delimiters, quotes, line breaks of every kind, controls, accents
TEXT = st.text(st.sampled_from([*'ab,;"\'\r\n\t é\u2028\u0085\x1c\x1b[]{}:\\0', "Ω", "\ufeff"]), max_size=12)


@pytest.fixture(scope="module")
def mappings(tmp_path_factory):
    """``pair`` (fields a and b, optional text) and one mapping per format, reading them as they are."""
    root = tmp_path_factory.mktemp("project")
    contract = person_contract_data()
    contract.update(id="pair", name="Pair", version="1.0.0")
    contract["schema"][0].update(name="pair", physicalName="pair", customProperties=[], quality=[], properties=[
        {"name": n, "logicalType": "string", "physicalType": "string"} for n in ("a", "b")])
    registry = ContractRegistry.load(write_contract(root / "contracts", contract).parents[1])
    fields = {n: {"from": n, "trim": False} for n in ("a", "b")}
    found = {}
    for fmt, source in (("csv", {"format": "csv", "delimiter": ","}), ("ndjson", {"format": "ndjson"})):
        file = write_yaml(root / "mappings" / "lab" / f"{fmt}.yaml", {
            "mapping_version": 1, "agency": "lab", "contract": "pair", "contract_version": 1,
            "source": {**source, "encoding": "utf-8", "null_tokens": []}, "fields": fields})
        found[fmt] = load_mapping(file, registry)
    return found


def _run(tmp_path: Path, mapping, data: bytes):
    file = tmp_path / "extract"
    file.write_bytes(data)
    return process_extract(file, mapping, row_schema(mapping.contract), limits=LIMITS)


def _accounted(outcome) -> list[int]:
    rows = outcome.published["_source_row"].to_list()
    if outcome.quarantined.height:
        rows += outcome.quarantined["_source_row"].to_list()
    return sorted(rows)


@BUDGET
@given(records=st.lists(st.tuples(TEXT, TEXT), max_size=12))
def test_csv_written_by_a_csv_writer_comes_back_record_for_record(tmp_path, mappings, records):
    records = [(a, b) for a, b in records if "\x00" not in a + b]
    out = io.StringIO()
    writer = csv.writer(out)  # lines end with \r\n, so values holding \r or \n are quoted
    writer.writerow(["a", "b"])
    writer.writerows(records)
    outcome = _run(tmp_path, mappings["csv"], out.getvalue().encode())
    too_long = sum(1 for a, b in records if max(len(a), len(b)) > FIELD_LIMIT)
    assert outcome.rejected is None and outcome.rows_in == len(records)
    assert outcome.rows_published + outcome.rows_quarantined == len(records)
    if not too_long:
        assert outcome.published.select("a", "b").rows() == records  # null_tokens: [], so "" stays ""


CSV_TEXT = st.lists(st.text(st.sampled_from(list('ab,"\r\n é\u2028\x1b')), max_size=30), max_size=8).map(
    lambda parts: "a,b\n" + "\n".join(parts))


@BUDGET
@given(data=CSV_TEXT.map(str.encode) | st.binary(max_size=300).map(lambda b: b"a,b\n" + b))
def test_hostile_csv_bytes_never_raise_and_every_line_is_accounted_for(tmp_path, mappings, data):
    outcome = _run(tmp_path, mappings["csv"], data)
    if outcome.rejected is not None:  # unreadable as a whole (encoding, header): said with a reason
        assert outcome.rejection_reason and outcome.rows_published == 0
        return
    assert outcome.rows_in == outcome.rows_published + outcome.rows_quarantined
    starts = _accounted(outcome)
    assert len(starts) == len(set(starts)) == outcome.rows_in  # one record per source row, none counted twice
    lines = data.decode("utf-8-sig").split("\n")
    published = {row: f"{a or ''}{b or ''}" for row, a, b in outcome.published.select("_source_row", "a", "b").rows()}
    raw = dict(outcome.errors.filter(pl.col("rule") == "malformed-record").select("_source_row", "value").rows())
    # every non-blank line starts a record, or lies inside the record before it (a quoted line break of a
    # published value, or a line of an unparsable record's raw text): no record swallows lines it does not show
    ends = [*starts[1:], len(lines) + 1] if starts else []
    for start, end in zip(starts, ends, strict=True):
        assert lines[start - 1].strip("\r"), start
        text = published.get(start, raw.get(start) or "")
        inside = text.count("\n") if len(text) < 200 else len(lines)
        assert not any(line.strip("\r") for line in lines[start:end - 1][inside:]), (start, end, inside)
    before = [n for n in range(2, (starts[0] if starts else len(lines) + 1)) if lines[n - 1].strip("\r")]
    assert not before  # nothing between the header and the first record


JSON_VALUE = st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                          max_leaves=8)
LINE = (st.dictionaries(st.sampled_from(["a", "b", "c"]), JSON_VALUE, max_size=3).map(json.dumps)
        | TEXT.filter(lambda t: "\n" not in t)
        | st.just('{"a": 1, "a": 2}') | st.just("[" * 40 + "]" * 40) | st.just('{"a": ' + "9" * 5000 + "}"))


@BUDGET
@given(lines=st.lists(LINE, min_size=1, max_size=10), crlf=st.booleans())
def test_hostile_ndjson_lines_are_each_one_record(tmp_path, mappings, lines, crlf):
    if not any(line.strip().startswith("{") for line in lines):
        lines = [*lines, '{"a": "x"}']
    data = ("\r\n" if crlf else "\n").join(lines).encode()
    outcome = _run(tmp_path, mappings["ndjson"], data)
    expected = [n for n, line in enumerate(data.decode().split("\n"), start=1) if line.strip()]
    if outcome.rejected is not None:  # no object in the file has a usable key: nothing to map
        assert outcome.rejection_reason in ("missing-column", "no-header"), outcome.rejected
        return
    assert _accounted(outcome) == expected  # lines split on \n only: each non-blank line is one record
    assert outcome.rows_in == len(expected) == outcome.rows_published + outcome.rows_quarantined
