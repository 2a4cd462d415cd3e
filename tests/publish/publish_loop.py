"""Child process for the kill test: publish version A, then B, then A... of one partition, forever."""

from __future__ import annotations

import sys
from pathlib import Path

from accord.contracts import ContractRegistry
from accord.publish.manifest import build_manifest, write_manifest
from accord.publish.parquet import contract_dir
from accord.publish.snapshots import publication_lock, publish_snapshot
from tests.publish.versions import version_tables

published, project, start = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
contract = ContractRegistry.load(project / "contracts").resolve("benefit_payment", 1)
root = contract_dir(published, contract)
versions = [version_tables(contract, "A"), version_tables(contract, "B")]
print("ready", flush=True)
i = start
while True:
    with publication_lock(root):
        publish_snapshot(root / "agency=x", versions[i % 2])
        write_manifest(root, build_manifest(contract, root, "0" * 12))
    i += 1
