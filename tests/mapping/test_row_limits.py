"""Row operations are bounded before they run: explode and unpivot count the records they would make, a source
record past the per-record limit (or past the file's limit) is quarantined as ``too-many-records`` with its raw
text, and a batch that would make many records is shaped in slices with the same result."""

from __future__ import annotations

import io
import zipfile

import polars as pl

from accord.intake.limits import Limits
from accord.mapping.rows import RecordBudget, shape
from accord.process import process_extract
from accord.reasons import message
from accord.validation import row_schema
from tests.conftest import SAMPLES
from tests.mapping.test_language_v2 import _mapping, _raw

DELIVERY = SAMPLES / "msa" / "dossiers_2026-11.zip"


def _delivery(tmp_path, extra_lines: list[str]):
    """msa's sample delivery with ``extra_lines`` added to versements.csv (people MSA-0001 and MSA-0002 exist)."""
    with zipfile.ZipFile(DELIVERY) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members["versements.csv"] += "".join(line + "\n" for line in extra_lines).encode()
    out = tmp_path / "dossiers_2026-12.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    out.write_bytes(buffer.getvalue())
    return out


def _run(mappings, file, limits: Limits):
    mapping = mappings["msa/benefit_payment"]
    return process_extract(file, mapping, row_schema(mapping.contract), limits=limits)


def _payments(n: int) -> str:
    return "|".join(f"{day % 28 + 1:02d}=1,00" for day in range(n))


def test_a_record_that_would_make_too_many_records_is_quarantined_with_its_text(mappings, tmp_path):
    file = _delivery(tmp_path, [f"MSA-0001;LOGEMENT;2026-12;{_payments(21)}",
                                f"MSA-0002;LOGEMENT;2026-12;{_payments(20)}"])
    frames = _run(mappings, file, Limits(max_records_per_row=20))
    too_many = frames.errors.filter(pl.col("rule") == "too-many-records")
    assert too_many.select("_source_row", "column", "value", "detail").rows() == [(8, "VERSEMENTS", "21", "20")]
    assert frames.quarantined.filter(pl.col("_source_row") == 8)["VERSEMENTS"].to_list() == [_payments(21)]
    assert frames.published.filter(pl.col("_source_row") == 9).height == 20  # at the limit: made
    assert (frames.rows_in, frames.records_published, frames.rows_quarantined, frames.rows_filtered) == (8, 3, 3, 2)
    assert message("too-many-records", "VERSEMENTS", "21", "20", "en").startswith(
        "this record would make 21 records through the mapping's row operations")


def test_the_file_limit_counts_records_across_batches_and_sets_the_rest_aside(mappings, tmp_path):
    file = _delivery(tmp_path, [f"MSA-0001;LOGEMENT;2026-12;{_payments(2)}"])
    frames = _run(mappings, file, Limits(max_records_per_file=4))
    # in file order: line 2 makes 2 records, line 3 one; line 5 would make the 5th: it and every later one wait
    too_many = frames.errors.filter(pl.col("rule") == "too-many-records")
    assert too_many.select("_source_row", "value", "detail").rows() == [(5, None, "4"), (6, None, "4"),
                                                                        (8, None, "4")]
    assert frames.published["_source_row"].to_list() == [2, 2, 3]
    assert message("too-many-records", None, None, "4", "fr").startswith(
        "les opérations sur les lignes du mapping (explode, unpivot) ont produit 4 enregistrements")
    assert frames.rows_in == frames.records_published + frames.rows_quarantined + frames.rows_filtered


def test_slices_give_the_same_result_as_one_batch(mappings, tmp_path):
    file = _delivery(tmp_path, [f"MSA-0001;LOGEMENT;2026-12;{_payments(7)}",
                                f"MSA-0002;LOGEMENT;2026-12;{_payments(3)}"])
    whole, sliced = _run(mappings, file, Limits()), _run(mappings, file, Limits(max_records_at_once=2))
    order = ["_source_row", "payment_id"]
    assert sliced.published.sort(order).equals(whole.published.sort(order))
    assert sliced.errors.equals(whole.errors) and sliced.quarantined.equals(whole.quarantined)
    assert sliced.filtered.equals(whole.filtered) and whole.published.height == 13


def test_unpivot_counts_the_filled_columns_of_each_record(payment):
    mapping = _mapping(payment, {"payment_id": {"template": "{ID}-{JOUR}"}, "person_id": {"from": "ID"},
                                 "program_code": {"constant": "HOUSING"}, "amount": {"from": "MONTANT"},
                                 "currency": {"constant": "CAD"}, "payment_date": {"constant": "2026-11-02"},
                                 "status": {"constant": "PAID"}},
                       rows=[{"unpivot": {"columns": ["LUN", "MAR", "MER"], "name": "JOUR", "value": "MONTANT"}}])
    raw = _raw(ID=["A", "B", "C"], LUN=["1", "1", None], MAR=["2", "", "3"], MER=["3", None, "4"])
    budget = RecordBudget(per_record=2, per_file=100, at_once=1)
    parts = list(shape(mapping.spec, raw, budget))
    made = pl.concat([p.frame for p in parts if not p.frame.is_empty()]).select("_source_row", "JOUR").rows()
    assert made == [(3, "LUN"), (4, "MAR"), (4, "MER")]  # B has 1 filled column, C has 2
    errors = pl.concat([p.too_many for p in parts])
    assert errors.select("_source_row", "column", "value", "detail").rows() == [(2, "JOUR", "3", "2")]
    assert budget.made == 3 and len(parts) == 3  # sliced one source record at a time (at_once=1)


def test_lint_says_when_row_operations_multiply_or_cannot_pass(tmp_path, registry):
    from accord.mapping.lint import lint_mapping
    from tests.conftest import ROOT

    shipped = (ROOT / "mappings" / "msa" / "dossiers.yaml").read_text(encoding="utf-8")
    explode = '      - explode: {column: VERSEMENTS, separator: "|"}\n'
    assert explode in shipped
    file = tmp_path / "msa" / "dossiers.yaml"
    file.parent.mkdir()
    file.write_text(shipped.replace(explode, explode + '      - explode: {column: PROGRAMME, separator: ","}\n'),
                    encoding="utf-8")
    found = [(f.severity, f.path, f.message.split(":")[0]) for f in lint_mapping(file, registry)]
    assert found == [("warning", "targets[1].rows[3]", "these row operations multiply")]
    columns = ", ".join(f"C{n}" for n in range(10_001))
    file.write_text(shipped.replace(explode, f"      - unpivot: {{columns: [{columns}], name: K, value: V}}\n"),
                    encoding="utf-8")
    messages = [f.message for f in lint_mapping(file, registry) if f.path == "targets[1].rows[2].unpivot.columns"]
    assert messages == ["unpivot over 10001 columns would make more records of each row than the limit of 10000: "
                        "every row would be set aside (too-many-records)"]
