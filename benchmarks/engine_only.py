"""accord's engine without Dagster, for the orchestration overhead: pickup, process, publish, integrate.

    python benchmarks/engine_only.py PROJECT_DIR DATA_DIR [--warm]

``--warm``: as in a worker that is already running (a Dagster code server, a ``--workers`` pool): the engine's
modules (and Great Expectations, which validates the dataset rules) are imported first, and the process
prints, as JSON, the wall and CPU seconds of the work alone.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main() -> None:
    warm = "--warm" in sys.argv
    if warm:
        import great_expectations  # noqa: F401 - imported where it runs, as a warm worker has it already
    from accord.agency import publish_agency
    from accord.contracts import ContractRegistry
    from accord.intake import Intake
    from accord.integrate import integrate
    from accord.mapping import load_mappings
    from accord.publish.pseudonym import load_key
    from accord.settings import data_dirs
    from accord.submission import process_submission

    wall, cpu = time.perf_counter(), time.process_time()
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
    if warm:
        print(json.dumps({"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}))


if __name__ == "__main__":
    main()
