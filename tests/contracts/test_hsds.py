"""Open Referral HSDS 3.0, a standard nobody on the team wrote (``tests/fixtures/hsds``): its JSON Schemas
imported and judged against the ``jsonschema`` package, and its tabular data package imported and delivered."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

from accord.contracts import load_contract
from accord.contracts.jsonschema import from_jsonschema
from accord.mapping import Mapping
from accord.mapping.loader import as_specs
from accord.process import process_extract
from accord.validation import row_schema
from tests.conftest import ROOT
from tests.helpers import write_contract

HSDS = ROOT / "tests" / "fixtures" / "hsds"
SCHEMAS = HSDS / "schema"


def _schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.json").read_text("utf-8"))


def _resolve(ref: str) -> dict[str, Any]:
    return _schema(ref.removesuffix(".json"))


def _validator(name: str) -> jsonschema.Draft202012Validator:
    registry = Registry().with_resources(
        (f.name, Resource.from_contents(json.loads(f.read_text("utf-8")), default_specification=jsonschema.
                                        validators.Draft202012Validator.META_SCHEMA and
                                        __import__("referencing.jsonschema").jsonschema.DRAFT202012))
        for f in SCHEMAS.glob("*.json"))
    return jsonschema.Draft202012Validator(_schema(name), registry=registry, format_checker=jsonschema.FormatChecker())


def _imported(name: str, tmp_path: Path) -> Mapping:
    imported = from_jsonschema(_schema(name), contract_id=name, agency="web", resolve=_resolve)
    contract = load_contract(write_contract(tmp_path / "contracts", imported.contract))
    [spec] = as_specs(imported.mapping)
    return Mapping(spec=spec, contract=contract, file=tmp_path / "mappings" / "web" / f"{name}.yaml", sha256="0" * 64)


def _accord_verdicts(name: str, records: list[dict[str, Any]], tmp_path: Path) -> list[bool]:
    mapping = _imported(name, tmp_path)
    extract = tmp_path / f"{name}-2026-12.ndjson"
    extract.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    frames = process_extract(extract, mapping, row_schema(mapping.contract))
    assert frames.outcome.rejected is None, frames.outcome.rejected
    published = set(frames.published["_source_row"].to_list())
    return [line in published for line in range(1, len(records) + 1)]


def _uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


ORG = {"id": _uuid(900), "name": "Example Org", "description": "Helps"}
# (table, record, what it tries); each record gets its own id unless it sets one
CASES: list[tuple[str, dict[str, Any], str]] = [
    ("phone", {"number": "+44 1234 234567"}, "the required keys only"),
    ("phone", {"number": "555", "extension": 100, "type": "voice"}, "a number as a JSON number"),
    ("phone", {"number": "555", "extension": 100.0}, "a whole number written 100.0"),
    ("phone", {"number": "555", "extension": "100"}, "a number sent as a string"),
    ("phone", {"number": 5551234}, "text sent as a number"),
    ("phone", {}, "the required number left out"),
    ("phone", {"number": "555", "service_id": "not-a-uuid"}, "a uuid that is not one"),
    ("phone", {"number": "555", "service_id": _uuid(77)}, "a uuid"),
    ("phone", {"number": "555", "languages": [{"id": _uuid(5), "name": "French"}]}, "an array of objects"),
    ("phone", {"number": "555", "languages": []}, "an empty array of objects"),
    ("phone", {"number": "555", "description": True}, "a boolean for text"),
    ("phone", {"number": "555", "extension": -3.5}, "a negative fraction"),
    ("phone", {"number": "555", "type": "fax", "description": "Main line"}, "every text key"),
    ("phone", {"id": "P-1", "number": "555"}, "an id that is not a uuid"),
    ("phone", {"number": ["555"]}, "an array for text"),
    ("phone", {"number": {"n": "555"}}, "an object for text"),
    ("organization", {"name": "A", "description": "B"}, "the required keys"),
    ("organization", {"name": "A"}, "the required description left out"),
    ("organization", {"name": "A", "description": "B", "email": "info@example.org"}, "an e-mail"),
    ("organization", {"name": "A", "description": "B", "email": "example.org"}, "an e-mail without @"),
    ("organization", {"name": "A", "description": "B", "year_incorporated": 1987}, "a year as a number"),
    ("organization", {"name": "A", "description": "B", "year_incorporated": "1987"}, "a year as a string"),
    ("organization", {"name": "A", "description": "B", "website": "https://example.org"}, "a URL"),
    ("organization", {"name": "A", "description": "B", "phones": [{"id": _uuid(3), "number": "1"}]},
     "nested phones"),
    ("organization", {"name": "A", "description": "B", "parent_organization_id": _uuid(1)}, "a parent"),
    ("organization", {"name": "", "description": "B"}, "an empty required name"),
    ("organization", {"name": "A", "description": "B", "tax_id": None}, "null in an optional text key"),
    ("organization", {"name": 12, "description": "B"}, "a number for a name"),
    ("organization", {"name": "A", "description": "B", "legal_status": "Charity", "tax_status": "exempt",
                      "tax_id": "12-3456789", "logo": "https://x.org/l.png"}, "every text key filled"),
    ("organization", {"name": "A", "description": "B", "year_incorporated": 1987.5}, "a fractional year"),
    ("organization", {"name": "A", "description": "B", "year_incorporated": True}, "a boolean for a number"),
    ("organization", {"name": "A", "description": "B", "parent_organization_id": 7}, "a number for a uuid"),
    ("organization", {"description": "B", "alternate_name": "Alt"}, "the required name left out"),
    ("organization", {"name": "A", "description": "B", "contacts": [], "locations": [{"id": _uuid(2)}]},
     "arrays of objects, one holding a partial object"),
    ("phone", {"number": "555", "organization_id": _uuid(900), "contact_id": _uuid(901)}, "two links"),
    ("phone", {"number": "555", "contact_id": "c1"}, "a link that is not a uuid"),
    ("phone", {"number": "555", "extension": None}, "null in an optional number"),
    ("phone", {"number": "555", "extension": "ext. 12"}, "text for a number"),
    ("phone", {"number": "555", "attributes": [{"id": _uuid(6)}], "metadata": [{}]}, "more arrays of objects"),
    ("schedule", {"service_id": _uuid(1), "location_id": _uuid(2)}, "two links"),
    ("schedule", {"service_id": "s-1"}, "a link that is not a uuid"),
    ("schedule", {"opens_at": "9h"}, "a time written otherwise"),
    ("schedule", {"count": "3"}, "a count as a string"),
    ("schedule", {"freq": "MONTHLY", "bymonthday": "1,15", "until": "2027-06-30"}, "monthly until a date"),
    ("schedule", {"schedule_link": "https://example.org/hours", "timezone": -5}, "a link and a timezone"),
    ("schedule", {"attributes": [{"id": _uuid(5)}]}, "an array of objects"),
    ("schedule", {"wkst": None}, "null in an optional code"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active", "maximum_age": False},
     "a boolean for an age"),
    ("service", {"organization_id": ORG["id"], "status": "active"}, "the required name left out"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active", "languages": [{"name": "fr"}],
                 "contacts": [{"id": _uuid(9)}], "funding": []}, "three arrays of objects"),
    ("schedule", {}, "only the id"),
    ("schedule", {"valid_from": "2026-01-01", "valid_to": "2026-12-31"}, "ISO dates"),
    ("schedule", {"opens_at": "09:00:00", "closes_at": "17:30:00"}, "times"),
    ("schedule", {"freq": "WEEKLY", "wkst": "MO", "interval": 1}, "codes and a number"),
    ("schedule", {"freq": "DAILY"}, "a code outside the list"),
    ("schedule", {"wkst": "mo"}, "a code in lower case"),
    ("schedule", {"interval": "1"}, "a number sent as a string"),
    ("schedule", {"count": 3, "byday": "MO,TU"}, "a count and days"),
    ("schedule", {"timezone": 0}, "zero"),
    ("schedule", {"valid_from": 20260101}, "a date as a number"),
    ("schedule", {"description": "Open", "notes": "Closed on holidays", "attending_type": "in person"}, "text"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active"}, "the required keys"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "closed"}, "a status outside the list"),
    ("service", {"organization_id": ORG["id"], "name": "Food"}, "the required status left out"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active", "minimum_age": 18,
                 "maximum_age": 65.5}, "ages"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active", "minimum_age": "18"},
     "an age as a string"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active", "organization": ORG},
     "the organization nested"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active",
                 "organization": {**ORG, "id": "x"}}, "a nested id that is not a uuid"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active",
                 "organization": {**ORG, "year_incorporated": "1990"}}, "a nested number sent as a string"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active",
                 "organization": {"id": ORG["id"], "description": "Helps"}}, "a nested object without its name"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active",
                 "phones": [{"id": _uuid(8), "number": "1"}], "schedules": []}, "arrays of objects"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active", "assured_date": "2026-03-01"},
     "a date"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active", "assured_date": "01/03/2026"},
     "a date written day first"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active",
                 "email": "help@example.org", "assurer_email": "a@b.org"}, "e-mails"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "temporarily closed"}, "a code with a space"),
    ("service", {"name": "Food", "status": "active"}, "organization_id left out (tabular_required)"),
    ("service", {"organization_id": "nope", "name": "Food", "status": "active"}, "a bad organization_id"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active", "program": {
        "id": _uuid(4), "organization_id": ORG["id"], "name": "P", "description": "D"}}, "a nested program"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active", "fees": "none"}, "fees"),
    ("service", {"organization_id": ORG["id"], "name": "Food", "status": "active", "url": "https://x.org/a"},
     "a URL"),
    ("service", {"organization_id": ORG["id"], "name": ["Food"], "status": "active"}, "an array for a name"),
]
BASE = {"phone": {"number": "555"}, "organization": {"name": "A", "description": "B"}, "schedule": {},
        "service": {"organization_id": ORG["id"], "name": "Food", "status": "active"}}


def _valid(spec: dict[str, Any], n: int) -> Any:
    """A value the property's schema takes."""
    if spec.get("enum"):
        return spec["enum"][-1]
    if spec.get("type") == "number":
        return n % 50
    return {"uuid": _uuid(1000 + n), "email": f"x{n}@example.org", "uri": f"https://example.org/{n}",
            "date-time": "2026-01-01T10:00:00Z"}.get(spec.get("format", ""), {
        "date": "2026-01-01", "time": "09:00:00", "datetime": "2026-01-01T10:00:00Z"}.get(
        spec.get("datapackage_type", ""), f"text {n}"))


def _generated() -> list[tuple[str, dict[str, Any], str]]:
    """Every scalar property of the four tables, alone beside the required keys: once with a value of its type,
    once with a value of another JSON type."""
    cases = []
    for table, base in BASE.items():
        for n, (key, spec) in enumerate(_schema(table)["properties"].items()):
            if key == "id" or spec.get("type") not in ("string", "number"):
                continue
            wrong = 5 if spec["type"] == "string" else str(_valid(spec, n))
            cases.append((table, {**base, key: _valid(spec, n)}, f"{key} with a value of its type"))
            cases.append((table, {**base, key: wrong}, f"{key} with a value of another JSON type"))
    return cases


# Where accord and JSON Schema judge differently, on purpose (docs/contracts.md, "HSDS and JSON Schema")
DIFFERENT = {
    # JSON null: accord reads null as empty in an optional field; HSDS's types do not allow null
    "null in an optional text key": "null", "null in an optional number": "null", "null in an optional code": "null",
    # an array of objects is not a field of the parent contract (its objects are a contract of their own), so
    # accord does not look into it; JSON Schema checks each object against its $ref
    "arrays of objects, one holding a partial object": "array of objects", "more arrays of objects":
        "array of objects", "three arrays of objects": "array of objects",
    # datapackage_type date / time is read as a date / time; the JSON Schema has no format on those strings
    "a date written day first": "datapackage_type", "a time written otherwise": "datapackage_type",
    # a nested object is flattened into optional fields: its own required keys are not required
    "a nested object without its name": "flattened object",
    # tabular_required is read as required
    "organization_id left out (tabular_required)": "tabular_required",
}


def test_accord_agrees_with_jsonschema_on_at_least_95_percent_of_hsds_records(tmp_path):
    by_table: dict[str, list[tuple[int, dict[str, Any], str]]] = {}
    for n, (table, record, what) in enumerate(CASES + _generated()):
        by_table.setdefault(table, []).append((n, {"id": _uuid(n), **record}, what))
    verdicts: dict[str, tuple[bool, bool]] = {}
    for table, cases in by_table.items():
        accord = _accord_verdicts(table, [r for _, r, _ in cases], tmp_path / table)
        validator = _validator(table)
        for (_, record, what), accepted in zip(cases, accord, strict=True):
            verdicts[f"{table}: {what}"] = (accepted, validator.is_valid(record))
    assert len(verdicts) == len(CASES) + len(_generated()) >= 40
    differ = sorted(k for k, (a, j) in verdicts.items() if a != j)
    shown = "\n".join(f"{k}: {verdicts[k]}" for k in differ)
    assert sorted({k.split(": ", 1)[1] for k in differ}) == sorted(DIFFERENT), shown
    agree = len(verdicts) - len(differ)
    assert (agree, len(verdicts)) == (201, 211)
    assert agree / len(verdicts) >= 0.95
    assert sum(1 for a, _ in verdicts.values() if a) >= 20  # both valid and invalid records are judged
    assert sum(1 for a, _ in verdicts.values() if not a) >= 15


def _delivered(project: Path, data, extra_phone: str | None = None) -> None:
    """HSDS's example CSV files, zipped as one delivery of agency hsds (``extra_phone``: one more phones.csv row)."""
    zipped = data.landing / "hsds" / "human_services_data-2026-12.zip"
    zipped.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zipped, "w") as archive:
        for csv in sorted((HSDS / "csv").glob("*.csv")):
            text = csv.read_text("utf-8")
            if csv.name == "phones.csv" and extra_phone:
                text = text.rstrip("\n") + "\n" + extra_phone + "\n"
            archive.writestr(csv.name, text)


def _import_package(project: Path) -> None:
    from typer.testing import CliRunner

    from accord.cli import app

    result = CliRunner().invoke(app, ["contract", "import", str(HSDS / "datapackage.json"), "--from", "datapackage",
                                      "--agency", "hsds", "--project-dir", str(project)])
    assert result.exit_code == 0, result.output
    assert "21 contract(s), 183 fields imported" in result.output
    lint = CliRunner().invoke(app, ["mapping", "lint", str(project / "mappings"), "--project-dir", str(project)])
    assert lint.exit_code == 0 and "1 mapping(s) checked, 0 with errors" in lint.output, lint.output


def test_the_hsds_data_package_imports_as_linked_contracts_and_one_delivery(tmp_path, pseudonym_key):
    from accord.agency import publish_agency
    from accord.contracts import ContractRegistry
    from accord.intake import Intake
    from accord.integrate import integrate
    from accord.mapping import load_mappings
    from accord.settings import data_dirs
    from accord.submission import PENDING, run_submission

    project = tmp_path / "project"
    _import_package(project)
    mapping = (project / "mappings" / "hsds" / "human_services_data.yaml").read_text("utf-8")
    assert "mapping_version: 2" in mapping and "pattern: human_services_data-*.zip" in mapping
    registry = ContractRegistry.load(project / "contracts")
    phone = registry.resolve("phone", 1)
    assert sorted((k.column, k.references) for k in phone.foreign_keys) == [
        ("contact_id", "contact v1.id"), ("location_id", "location v1.id"), ("organization_id", "organization v1.id"),
        ("service_at_location_id", "service_at_location v1.id"), ("service_id", "service v1.id")]
    mappings = load_mappings(project / "mappings", registry)
    assert len(mappings) == 21
    data = data_dirs(tmp_path / "data").create()
    _delivered(project, data, extra_phone="aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee,,,11111111-2222-4333-8444-555555555555,"
                                          ",,+1 555 0100,,voice,dangling")
    intake = Intake(data, mappings)
    intake.pickup("hsds")
    pending = intake.store.with_status(*PENDING)
    assert len(pending) == 21  # one delivery, every resource a submission
    outcomes = {}
    for submission in pending:
        ran = run_submission(submission.submission_id, intake, pseudonym_key, dataset_rules=False)
        assert ran is not None
        result = ran[0]
        outcomes[result.contract] = (result.status, result.rows_in, result.rows_published, result.rows_quarantined,
                                     result.rule_counts)
    assert outcomes["phone"] == ("processed", 2, 2, 0, {}) and outcomes["organization"] == ("processed", 1, 1, 0, {})
    assert {c: r for c, r in outcomes.items() if r[2] != r[1] or r[0] != "processed"} == {}
    built = {}
    for name in ("organization", "program", "service", "location", "service_at_location", "contact", "phone"):
        contract = registry.resolve(name, 1)
        publish_agency(contract, "hsds", data, pseudonym_key)
        built[name] = integrate(contract, data, pseudonym_key)
    [dangling] = [k for k in built["phone"].foreign_keys if k.rows]
    assert (dangling.column, dangling.rows, dangling.by_agency) == ("organization_id", 1, {"hsds": 1})
    assert dangling.examples["hsds"][0]["value"] == "11111111-2222-4333-8444-555555555555"
    others = {(name, k.column): k.rows for name in built for k in built[name].foreign_keys if k is not dangling}
    # HSDS's own example data (checked by hand): contacts.csv names organization ae67a707… and service at
    # location 93eaf18d…, locations.csv organization 985e4a42…, none of which its other files hold
    assert {k: n for k, n in others.items() if n} == {("contact", "organization_id"): 1,
                                                      ("contact", "service_at_location_id"): 1,
                                                      ("location", "organization_id"): 1}


def test_json_schema_imports_for_one_agency_get_distinct_patterns_and_lint_reports_overlaps(tmp_path):
    from typer.testing import CliRunner

    from accord.cli import app

    project = tmp_path / "project"
    for name in ("organization", "organization_identifier", "service", "service_at_location"):
        result = CliRunner().invoke(app, ["contract", "import", str(SCHEMAS / f"{name}.json"), "--from", "jsonschema",
                                          "--agency", "web", "--project-dir", str(project)])
        assert result.exit_code == 0, result.output
    service = (project / "mappings" / "web" / "service.yaml").read_text("utf-8")
    assert "mapping_version: 2" in service and "pattern: service-*.ndjson" in service
    assert "from: organization.name" in service and "organization__name:" in service  # the nested object
    lint = CliRunner().invoke(app, ["mapping", "lint", str(project / "mappings"), "--project-dir", str(project)])
    assert lint.exit_code == 0, lint.output
    assert "4 mapping(s) checked, 0 with errors" in lint.output
    # the pattern every import wrote before: each file claims every NDJSON file of the agency
    for name in ("organization", "service"):
        file = project / "mappings" / "web" / f"{name}.yaml"
        file.write_text(file.read_text("utf-8").replace(f"pattern: {name}-*.ndjson", "pattern: '*.ndjson'"))
    lint = CliRunner().invoke(app, ["mapping", "lint", str(project / "mappings" / "web" / "organization.yaml"),
                                    "--project-dir", str(project), "--lang", "fr"])
    assert lint.exit_code == 1
    assert ("erreur: source.pattern: le motif « *.ndjson » recoupe le motif « *.ndjson » de service.yaml : un fichier "
            "nommé « x.ndjson » correspondrait aux deux") in " ".join(lint.output.split())
