"""``accord mapping upgrade``: every version 1 mapping shipped, written as version 2, gives the same output
on the sample extracts: the same published values, the same errors.csv bytes, the same quarantined records."""

from __future__ import annotations

import shutil

import pytest
import yaml
from typer.testing import CliRunner

from accord.cli import app
from accord.contracts import ContractRegistry
from accord.mapping import load_mappings
from accord.process import process_extract
from accord.publish.quarantine import error_report, write_errors_csv
from accord.validation import row_schema
from tests.conftest import ROOT, SAMPLES

runner = CliRunner()


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory):
    """A copy of the project whose mappings were upgraded by the command."""
    project = tmp_path_factory.mktemp("upgraded")
    shutil.copytree(ROOT / "contracts", project / "contracts")
    shutil.copytree(ROOT / "mappings", project / "mappings")
    result = runner.invoke(app, ["mapping", "upgrade", str(project / "mappings"), "--write",
                                 "--project-dir", str(project)])
    assert result.exit_code == 0, result.output
    return project


VERSION_1 = ["cba/benefit_payment.yaml", "cba/person.yaml", "nho/person.yaml", "rrn/benefit_payment.yaml",
             "rrn/person.yaml"]  # msa/dossiers.yaml is written in version 2


def test_every_shipped_mapping_is_upgraded_to_version_2(upgraded):
    shipped = sorted(f"{f.parent.name}/{f.name}" for f in (ROOT / "mappings").glob("*/*.yaml")
                     if yaml.safe_load(f.read_text())["mapping_version"] == 1)
    assert shipped == VERSION_1
    for name in VERSION_1:
        data = yaml.safe_load((upgraded / "mappings" / name).read_text())
        assert data["mapping_version"] == 2 and len(data["targets"]) == 1
    again = runner.invoke(app, ["mapping", "upgrade", str(upgraded / "mappings" / VERSION_1[0]),
                                "--project-dir", str(upgraded)])
    assert again.exit_code == 0 and "already version 2" in again.output


def test_upgraded_mappings_give_byte_identical_output(upgraded, tmp_path):
    registry = ContractRegistry.load(ROOT / "contracts")
    before = {m.name: m for m in load_mappings(ROOT / "mappings", registry)
              if f"{m.agency}/{m.file.name}" in VERSION_1}
    after = {m.name: m for m in load_mappings(upgraded / "mappings", ContractRegistry.load(upgraded / "contracts"))}
    assert sorted(before) == sorted(n for n in after if n in before) and len(before) == 5
    compared = 0
    for name, old in before.items():
        new = after[name]
        for file in sorted((SAMPLES / old.agency).glob(old.spec.source.pattern)):
            outputs = []
            for n, mapping in enumerate((old, new)):
                frames = process_extract(file, mapping, row_schema(mapping.contract))
                csv = tmp_path / f"{name.replace('/', '-')}-{file.name}-{n}.csv"
                write_errors_csv(error_report(frames.errors, mapping.agency, file.name, mapping.field_sources), csv)
                outputs.append((frames, csv.read_bytes()))
            (old_frames, old_csv), (new_frames, new_csv) = outputs
            assert new_frames.published.equals(old_frames.published), (name, file.name)
            assert new_frames.quarantined.equals(old_frames.quarantined), (name, file.name)
            assert new_csv == old_csv, (name, file.name)
            assert (new_frames.rows_published, new_frames.rows_quarantined) == (
                old_frames.rows_published, old_frames.rows_quarantined)
            compared += 1
    assert compared == 6  # the sample extracts (rrn sends two person files)
