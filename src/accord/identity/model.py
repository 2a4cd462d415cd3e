"""The probabilistic model of a contract's identity declaration, in Splink: its settings (comparisons and
blocking rules made from the declaration), its training, and its file.

The trained model (Splink's m and u probabilities) is saved beside the contract as
``contracts/<id>/identity-model.v<major>.json``, with the SHA-256 of the declaration it was trained for. A model
file for another declaration, or another contract, is refused with the command to run: a model is never
retrained without an operator asking (``accord identity train``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord.contracts.identity import IdentityDeclaration
from accord.contracts.model import Contract
from accord.errors import AccordError
from accord.identity.normalise import rule_columns

RECORD = "record_id"
AGENCY = "_agency"
MODEL_FORMAT = "accord-identity-model-1"
logging.getLogger("splink").setLevel(logging.WARNING)


def model_path(contract: Contract) -> Path:
    return contract.file.parent / f"identity-model.v{contract.major}.json"


def declaration_of(contract: Contract) -> IdentityDeclaration:
    if contract.identity is None:
        raise AccordError(f"contract {contract.label} declares no identity (docs/identity.md)", file=contract.file)
    return contract.identity


def _comparison(method: str, fields: tuple[str, ...]) -> Any:
    import splink.comparison_library as cl

    if method == "personName":
        return cl.ForenameSurnameComparison(fields[0], fields[1])
    if method == "name":
        return cl.NameComparison(fields[0])
    if method == "birthDate":
        return cl.DateOfBirthComparison(fields[0], input_is_string=False)
    if method == "postalCode":
        return cl.PostcodeComparison(fields[0])
    if method == "identifier":
        return cl.DamerauLevenshteinAtThresholds(fields[0], [1, 2])
    return cl.ExactMatch(fields[0])


def blocking_sql(declaration: IdentityDeclaration) -> list[str]:
    """One SQL blocking rule per declared blocking list: equal (normalised) values, at two agencies."""
    rules = []
    for block in declaration.blocking:
        equal = " and ".join(f"l.{c} = r.{c}" for c in rule_columns(declaration, block))
        rules.append(f"{equal} and l.{AGENCY} <> r.{AGENCY}")
    return rules


def settings(declaration: IdentityDeclaration, dialect: str = "duckdb") -> dict[str, Any]:
    """Splink settings for the declaration (untrained) in an engine's SQL dialect: a dedupe of all agencies'
    records whose blocking only pairs records of two different agencies."""
    from splink import SettingsCreator

    creator = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=RECORD,
        comparisons=[_comparison(c.method, c.fields) for c in declaration.comparisons],
        blocking_rules_to_generate_predictions=blocking_sql(declaration),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )
    return dict(creator.get_settings(dialect).as_dict())


@dataclass(frozen=True)
class TrainedModel:
    contract_id: str
    major: int
    declaration_sha256: str
    trained_at: str
    records: int
    splink: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"format": MODEL_FORMAT, "contract": self.contract_id, "major": self.major,
                "declaration_sha256": self.declaration_sha256, "trained_at": self.trained_at,
                "records": self.records, "splink": self.splink}


def load_model(contract: Contract) -> TrainedModel:
    """The model file of ``contract``; an error naming the file when it is missing or was trained for another
    contract or declaration."""
    declaration = declaration_of(contract)
    path = model_path(contract)
    retrain = f"run `accord identity train {contract.id} --major {contract.major}`"
    if not path.exists():
        raise AccordError(f"no trained identity model for {contract.label}: {retrain}", file=path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AccordError(f"cannot read the identity model: {exc}", file=path) from None
    if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
        raise AccordError(f"not an accord identity model (format {MODEL_FORMAT})", file=path)
    if (data.get("contract"), data.get("major")) != (contract.id, contract.major):
        raise AccordError(f"this model was trained for {data.get('contract')} v{data.get('major')}, not "
                          f"{contract.label}: {retrain}", file=path)
    if data.get("declaration_sha256") != declaration.sha256:
        raise AccordError(f"this model was trained for another identity declaration than {contract.file.name}'s "
                          f"(declaration sha256 {str(data.get('declaration_sha256'))[:12]}, the contract's "
                          f"{declaration.sha256[:12]}): {retrain}", file=path)
    return TrainedModel(contract.id, contract.major, declaration.sha256, str(data["trained_at"]),
                        int(data["records"]), dict(data["splink"]))


def with_rules(trained: dict[str, Any], declaration: IdentityDeclaration,
               dialect: str = "duckdb") -> dict[str, Any]:
    """The trained model as an engine runs it: the declaration's settings in the engine's SQL dialect, with the
    trained probabilities (m and u of each comparison level, the prior) copied level by level, and the
    blocking rules of the declaration."""
    out = settings(declaration, dialect)
    out["probability_two_random_records_match"] = trained["probability_two_random_records_match"]
    for comparison, learnt in zip(out["comparisons"], trained["comparisons"], strict=True):
        for level, known in zip(comparison["comparison_levels"], learnt["comparison_levels"], strict=True):
            for name in ("m_probability", "u_probability", "tf_adjustment_column", "tf_adjustment_weight"):
                if name in known:
                    level[name] = known[name]
    out["blocking_rules_to_generate_predictions"] = [{"blocking_rule": rule, "sql_dialect": dialect}
                                                     for rule in blocking_sql(declaration)]
    return out


def save_model(contract: Contract, model: TrainedModel) -> Path:
    path = model_path(contract)
    path.write_text(json.dumps(model.to_json(), indent=1, sort_keys=False, default=str) + "\n", encoding="utf-8")
    return path
