"""A drafted mapping as an analyst reads it (the portal's "draft the mapping" page): per contract field, the
agency's column, what is done to its values, how sure the draft is, a few sample values, and what is left to
do, in English and French; the YAML to download beside it, named ``<agency>-<contract>.yaml``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from accord.contracts import Contract, ContractRegistry
from accord.findings import Finding
from accord.mapping.suggest import draft_findings, failing_fields, suggest_mapping

CONFIDENCE = {"high": ("high", "élevée"), "medium": ("medium", "moyenne"), "low": ("low", "faible"),
              "none": ("none", "aucune")}


@dataclass
class DraftRow:
    field: str
    required: bool
    column: str | None  # the agency's column, None when the draft found none
    steps: list[str]  # the YAML under the field (from, date, codes ...), as the file says it
    confidence: str  # high, medium, low, none
    samples: list[str]
    notes_en: list[str]
    notes_fr: list[str]

    @property
    def todo(self) -> bool:
        return self.confidence in ("low", "none") or any(n.startswith("TODO") for n in self.notes_en)

    def notes(self, lang: str) -> list[str]:
        return self.notes_en if lang == "en" else self.notes_fr

    def confidence_in(self, lang: str) -> str:
        return CONFIDENCE[self.confidence][0 if lang == "en" else 1]


@dataclass
class DraftView:
    agency: str
    contract: str  # person
    major: int
    sample: str  # the sample's file name
    pattern: str  # the file names the draft reads (generalised from the sample's)
    text: str  # the YAML
    rows: list[DraftRow] = field(default_factory=list)
    lint: list[str] = field(default_factory=list)

    @property
    def download_name(self) -> str:
        return f"{self.agency}-{self.contract}.yaml"

    @property
    def todos(self) -> int:
        return sum(1 for r in self.rows if r.todo)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DraftView:
        return cls(**{**data, "rows": [DraftRow(**r) for r in data["rows"]]})


def draft(file: Path, contract: Contract, contracts: ContractRegistry, agency: str) -> tuple[str, list[Finding]]:
    """The draft mapping YAML (what ``accord mapping suggest`` prints) and its lint findings."""
    view, findings = draft_view(file, contract, contracts, agency)
    return view.text, findings


def draft_view(file: Path, contract: Contract, contracts: ContractRegistry, agency: str,
               ) -> tuple[DraftView, list[Finding]]:
    """The draft of ``agency``'s sample ``file`` onto ``contract``: the YAML, with a TODO for each field that
    fails on most sample rows and its lint findings as closing comments, and its rows for the page."""
    text, choices = suggest_mapping(file, contract, agency)
    findings = draft_findings(text, contracts, agency, contract)
    failing = failing_fields(text, contract, file)
    text += "".join(f"# TODO: {name} fails on {n} of the {rows} sample rows: check its source and steps\n"
                    for name, (n, rows) in failing.items())
    text += f"# lint: {len(findings)} problem(s); {text.count('TODO:')} TODO(s) to review\n"
    text += "".join(f"#   {f}\n" for f in findings)
    required = {f.name: f.required for f in contract.fields}
    rows = []
    for choice in choices:
        if choice.name in failing:
            n, total = failing[choice.name]
            choice.note(f"TODO: fails on {n} of the {total} sample rows: check its column and steps",
                        f"À FAIRE : échoue sur {n} des {total} lignes de l'échantillon : vérifiez sa colonne et "
                        "ses étapes")
        rows.append(DraftRow(choice.name, required[choice.name], choice.source, choice.lines, choice.confidence,
                             choice.samples, choice.notes, choice.notes_fr))
    pattern = next((line.split('"')[1] for line in text.splitlines() if line.startswith("  pattern: ")), file.name)
    return DraftView(agency, contract.id, contract.major, file.name, pattern, text, rows,
                     [str(f) for f in findings]), findings
