from __future__ import annotations

import json

import polars as pl
import pytest

import accord
from accord.agency import run_agency
from accord.errors import AccordError
from accord.integrate import integrate
from tests.conftest import ROOT
from tests.helpers import table_frame


@pytest.fixture
def published(mappings, data, person, pseudonym_key):
    for name in ("rrn/person", "nho/person", "cba/person"):
        run_agency(mappings[name], data, dataset_rules=False)
    integrate(person, data, pseudonym_key)
    return data


def test_read_round_trips_the_integrated_dataset(published, person):
    lazy = accord.read("person", version=1, data_dir=published.root, project_dir=ROOT)
    assert isinstance(lazy, pl.LazyFrame)
    frame = lazy.collect()
    assert frame.equals(table_frame(published, person))
    assert frame.height == 24
    table = accord.read_arrow("person", version=1, data_dir=published.root, project_dir=ROOT)
    assert table.num_rows == 24 and table.schema.names == frame.columns


def test_read_one_agency_partition(published):
    rrn = accord.read("person", 1, agency="rrn", data_dir=published.root, project_dir=ROOT).collect()
    assert rrn.height == 12 and set(rrn["_agency"]) == {"rrn"}
    with pytest.raises(AccordError, match="has no partition for agency 'xyz'"):
        accord.read("person", 1, agency="xyz", data_dir=published.root, project_dir=ROOT)


def test_schema_drift_is_refused(published, person):
    """A table whose schema is not the contract's (here: rewritten without the ``sin`` column) is not read."""
    from deltalake import write_deltalake

    agencies = table_frame(published, person, "agencies").drop("sin")
    write_deltalake(str(published.published / "person" / "v1" / "agencies"), agencies.to_arrow(), mode="overwrite",
                    schema_mode="overwrite")
    manifest = published.published / "person" / "v1" / "_manifest.json"
    text = json.loads(manifest.read_text())
    text["tables"]["agencies"]["version"] += 1
    manifest.write_text(json.dumps(text))
    with pytest.raises(AccordError, match=r"schema does not match contract person v1\.0\.0"):
        accord.read("person", 1, agency="nho", data_dir=published.root, project_dir=ROOT)


def test_unpublished_contract_is_a_clear_error(data):
    with pytest.raises(AccordError, match="benefit_payment v1 has not been published"):
        accord.read("benefit_payment", 1, data_dir=data.root, project_dir=ROOT)
