"""Foreign keys between contracts: benefit_payment.person_id must be a person_id of the integrated person
dataset; orphans are reported per agency (warn) or kept out of the integrated dataset (quarantine)."""

from __future__ import annotations

import json
import shutil

import jsonschema
import polars as pl
import pytest

from accord.agency import run_agency
from accord.contracts import ContractRegistry
from accord.errors import ContractError
from accord.integrate import integrate
from accord.mapping import load_mappings
from accord.publish.manifest import read_manifest
from accord.publish.tables import IDENTITIES, Table
from tests.conftest import ROOT
from tests.helpers import table_frame, write_yaml


def _project(tmp_path, on_orphan: str | None, to: str = "person.person_id"):
    """The shipped contracts, benefit_payment's person_id with a foreign key to the person dataset."""
    contracts = shutil.copytree(ROOT / "contracts", tmp_path / "contracts")
    file = contracts / "benefit_payment" / "1.0.0.yaml"
    import yaml

    data = yaml.safe_load(file.read_text())
    relation = {"type": "foreignKey", "to": to}
    if on_orphan:
        relation["customProperties"] = [{"property": "onOrphan", "value": on_orphan}]
    next(p for p in data["schema"][0]["properties"] if p["name"] == "person_id")["relationships"] = [relation]
    write_yaml(file, data)
    registry = ContractRegistry.load(contracts)
    return registry, {m.name: m for m in load_mappings(ROOT / "mappings", registry)}


ORPHANS, BY_AGENCY = 3, {"cba": 1, "rrn": 2}
EXAMPLES = {"cba": [{"source_file": "payments_2026-12.csv", "source_row": 2, "value": "CBA-7777"}],
            "rrn": [{"source_file": "paiements_2026-12.csv", "source_row": 2, "value": "RRN-0099"},
                    {"source_file": "paiements_2026-12.csv", "source_row": 4, "value": "RRN-0098"}]}
WITH_ORPHANS = 18  # the samples' 14 payments and these 4


def _deliver_unknown_people(data) -> None:
    """December payments: RRN-0099, RRN-0098 and CBA-7777 are nobody's person_id (RRN-0001 is)."""
    (data.landing / "rrn" / "paiements_2026-12.csv").write_bytes(
        "NO_PAIEMENT;NO_DOSSIER;PROGRAMME;MONTANT;DATE_PAIEMENT;STATUT\r\n"
        "P-2001;RRN-0099;RETRAITE;100,00;15/12/2026;PAYE\r\n"
        "P-2002;RRN-0001;RETRAITE;100,00;15/12/2026;PAYE\r\n"
        "P-2003;RRN-0098;RETRAITE;100,00;15/12/2026;PAYE\r\n".encode("cp1252"))
    (data.landing / "cba" / "payments_2026-12.csv").write_text(
        "payment_ref,client_id,program,amount,paid_on,state\nPAY-90,CBA-7777,PEN,10.00,2026-12-31,paid\n")


def _person_ids(data, registry) -> set[str]:
    """Every published person record's key: the integrated person dataset holds one record per person, its
    ``identities`` table every record's key (what the foreign key is checked against)."""
    return set(Table(data, registry.resolve("person", 1), IDENTITIES).scan().collect()["person_id"])


def _publish(mappings, data, registry, key):
    _deliver_unknown_people(data)
    for name in ("rrn/person", "nho/person", "cba/person", "rrn/benefit_payment", "cba/benefit_payment"):
        run_agency(mappings[name], data, dataset_rules=False)
    integrate(registry.resolve("person", 1), data, key)
    return integrate(registry.resolve("benefit_payment", 1), data, key)


def test_orphans_are_reported_per_agency_and_stay_when_warned(tmp_path, data, pseudonym_key):
    registry, mappings = _project(tmp_path, None)
    payment = registry.resolve("benefit_payment", 1)
    assert [(k.column, k.references, k.on_orphan) for k in payment.foreign_keys] == [
        ("person_id", "person v1.person_id", "warn")]
    result = _publish(mappings, data, registry, pseudonym_key)
    [found] = result.foreign_keys
    people = _person_ids(data, registry)
    payments = table_frame(data, payment)
    orphans = payments.filter(~pl.col("person_id").is_in(list(people)))
    assert found.rows == orphans.height == ORPHANS and found.by_agency == BY_AGENCY
    assert found.examples == EXAMPLES
    assert result.rows == payments.height  # warned: still in the dataset
    manifest = read_manifest(data, payment)
    assert manifest["tables"]["integrated"]["foreign_keys"] == [found.to_json()]
    schema = json.loads((ROOT / "docs" / "schemas" / "manifest.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(manifest)


def test_quarantined_orphans_stay_out_of_the_dataset_until_their_person_arrives(tmp_path, data, pseudonym_key):
    registry, mappings = _project(tmp_path, "quarantine")
    payment = registry.resolve("benefit_payment", 1)
    result = _publish(mappings, data, registry, pseudonym_key)
    [found] = result.foreign_keys
    assert (found.rows, found.by_agency, found.on_orphan) == (ORPHANS, BY_AGENCY, "quarantine")
    kept = table_frame(data, payment)
    people = _person_ids(data, registry)
    assert kept["person_id"].is_in(list(people)).all() and kept.height == result.rows
    assert result.rows + found.rows == WITH_ORPHANS
    version = result.version
    again = integrate(payment, data, pseudonym_key)  # nothing changed anywhere: no new version
    assert again.version == version and again.foreign_keys == result.foreign_keys

    (data.landing / "rrn" / "personnes_2027-01.csv").write_bytes(  # RRN-0099 arrives
        "NO_DOSSIER;NAS;NOM;PRENOM;DATE_NAISS;SEXE;CODE_POSTAL;PROV;LANGUE\r\n"
        "RRN-0099;046454286;Roy;Luc;03/02/1950;H;H2X 1Y4;QC;Français\r\n".encode("cp1252"))
    run_agency(mappings["rrn/person"], data, dataset_rules=False)
    integrate(registry.resolve("person", 1), data, pseudonym_key)
    after = integrate(payment, data, pseudonym_key)  # the person dataset changed: a full rebuild
    [found] = after.foreign_keys
    assert (found.rows, found.by_agency, after.rows, after.files_kept) == (2, {"cba": 1, "rrn": 1}, 16, 0)
    assert found.examples["rrn"] == [EXAMPLES["rrn"][1]]
    assert "RRN-0099" in table_frame(data, payment)["person_id"].to_list()


def test_a_foreign_key_to_an_unknown_field_is_refused(tmp_path):
    with pytest.raises(ContractError, match=r"person v1\.0\.0 has no field 'nas'"):
        _project(tmp_path, None, to="person.nas")
