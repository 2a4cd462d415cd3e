"""Child process for the kill test: make agency x's partition hold version A, then B, then A... forever, each
change one commit of the staged parts (``commit_parts``, as ``publish_agency`` does), then rewrite the
manifest, and say which version it committed."""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from accord.agency import commit_parts, publication_lock
from accord.contracts import ContractRegistry
from accord.publish.manifest import build_manifest, write_manifest
from accord.publish.tables import AGENCIES, Table, agency_submissions
from accord.settings import data_dirs
from tests.publish.versions import version_tables

data, project, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
dirs = data_dirs(data)
contract = ContractRegistry.load(Path(project) / "contracts").resolve("benefit_payment", 1)
table = Table(dirs, contract, AGENCIES)
versions = [version_tables(contract, "A"), version_tables(contract, "B")]
parts = []
for tables in versions:  # each version's staged parts, stored once: submission id -> key
    parts.append({})
    for name, part in tables.items():
        key = f"test-staged/{start}/{name}"
        sink = pa.BufferOutputStream()
        pq.write_table(part, sink, compression="zstd")
        dirs.storage.write_bytes(key, sink.getvalue().to_pybytes())
        parts[-1][part.column("_submission_id")[0].as_py()] = key
print("ready", flush=True)
i = start
while True:
    with publication_lock(dirs, contract):
        wanted = parts[i % 2]
        present = agency_submissions(table, "x")
        commit_parts(table, "x", wanted, sorted(set(wanted) | present), {})
        write_manifest(dirs, contract, build_manifest(dirs, contract, "0" * 12))
    print(f"committed {'AB'[i % 2]}", flush=True)  # the kill test waits for the first one
    i += 1
