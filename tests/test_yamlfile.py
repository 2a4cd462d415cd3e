"""Safe YAML for files agencies write: no aliases (billion laughs), a size limit, duplicate keys refused. One
agency's hostile mapping stops that agency only."""

from __future__ import annotations

import shutil
import time

import pytest

from accord.contracts import ContractRegistry
from accord.errors import MappingError
from accord.intake import Intake
from accord.mapping import scan_mappings
from accord.mapping.lint import lint_mapping
from accord.yamlfile import MAX_YAML_BYTES, load_yaml
from tests.conftest import ROOT

LAUGHS = ROOT / "tests" / "bad_inputs" / "yaml" / "billion_laughs.yaml"


def test_billion_laughs_is_refused_at_the_first_anchor_in_milliseconds(registry):
    started = time.perf_counter()
    [finding] = lint_mapping(LAUGHS, registry)
    assert time.perf_counter() - started < 1  # it took 4 GB and minutes when aliases were expanded
    assert (finding.line, finding.message) == (6, "anchors and aliases (& and *) are not allowed: write the value "
                                                  "out in full")


def test_a_mapping_over_the_size_limit_is_not_read(tmp_path):
    big = tmp_path / "cba" / "person.yaml"
    big.parent.mkdir()
    big.write_text("# " + "x" * MAX_YAML_BYTES + "\nmapping_version: 1\n")
    with pytest.raises(MappingError, match=f"file is larger than {MAX_YAML_BYTES} bytes"):
        load_yaml(big, MappingError)


def test_one_agencys_hostile_mapping_stops_that_agency_only(tmp_path, data):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "mappings", project / "mappings")
    shutil.copyfile(LAUGHS, project / "mappings" / "cba" / "person.yaml")
    scan = scan_mappings(project / "mappings", ContractRegistry.load(ROOT / "contracts"))
    assert sorted(m.name for m in scan.mappings) == ["cba/benefit_payment", "msa/benefit_payment", "msa/person",
                                                     "nho/person", "rrn/benefit_payment", "rrn/person"]
    assert list(scan.broken) == ["cba"]
    pickup = Intake(data, scan.mappings, broken=scan.problems).pickup()
    assert sorted(s.agency for s in pickup.accepted) == ["msa", "msa", "nho", "rrn", "rrn", "rrn"]
    assert not pickup.refused  # cba's files are not thrown away for a mistake in its mapping: they wait
    assert sorted(p.name for p in (data.landing / "cba").iterdir()) == ["payments_2026-11.csv",
                                                                       "people_2026-11.ndjson"]
    assert pickup.waiting == [f"cba/: {project / 'mappings' / 'cba' / 'person.yaml'}:6: anchors and aliases (& and *) "
                              "are not allowed: write the value out in full"]
