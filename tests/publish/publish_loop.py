"""Child process for the kill test: make agency x's partition hold version A, then B, then A... forever, each
change one commit (as ``publish_agency`` does), then rewrite the manifest."""

from __future__ import annotations

import sys
from pathlib import Path

from accord.agency import publication_lock
from accord.contracts import ContractRegistry
from accord.publish.manifest import build_manifest, write_manifest
from accord.publish.parquet import dataset_schema
from accord.publish.tables import AGENCIES, Table, agency_submissions, replace_submissions
from accord.settings import data_dirs
from tests.publish.versions import version_tables

data, project, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
dirs = data_dirs(data)
contract = ContractRegistry.load(Path(project) / "contracts").resolve("benefit_payment", 1)
table = Table(dirs, contract, AGENCIES)
versions = [version_tables(contract, "A"), version_tables(contract, "B")]
print("ready", flush=True)
i = start
while True:
    with publication_lock(dirs, contract):
        wanted = versions[i % 2]
        ids = {t.column("_submission_id")[0].as_py() for t in wanted.values()}
        present = agency_submissions(table, "x")
        batches = [b for t in wanted.values() for b in t.to_batches()]
        replace_submissions(table, "x", batches, dataset_schema(contract), ids | present, {})
        write_manifest(dirs, contract, build_manifest(dirs, contract, "0" * 12))
    i += 1
