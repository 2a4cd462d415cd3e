"""accord's engine without Dagster, for the orchestration overhead: pickup, process, publish, integrate."""

from __future__ import annotations

import sys
from pathlib import Path

from accord.agency import publish_agency
from accord.contracts import ContractRegistry
from accord.intake import Intake
from accord.integrate import integrate
from accord.mapping import load_mappings
from accord.publish.pseudonym import load_key
from accord.settings import data_dirs
from accord.submission import process_submission


def main() -> None:
    project, data = Path(sys.argv[1]), data_dirs(sys.argv[2])
    registry = ContractRegistry.load(project / "contracts")
    intake = Intake(data, load_mappings(project / "mappings", registry))
    key = load_key()
    published = {}
    for submission in intake.pickup().accepted:  # every submission, then each agency and contract once
        mapping = intake.mapping_for(submission)
        process_submission(intake.store.begin_processing(submission.submission_id), mapping, data, intake.store, key)
        published[(mapping.contract.label, mapping.agency)] = mapping
    for mapping in published.values():
        publish_agency(mapping.contract, mapping.agency, data, key)
    for contract in {m.contract.label: m.contract for m in published.values()}.values():
        integrate(contract, data, key)


if __name__ == "__main__":  # pseudonymisation workers re-import this module
    main()
