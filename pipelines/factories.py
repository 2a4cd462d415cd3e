"""Asset factories. Per contract version (every contract in ``contracts/``, whether an agency maps onto it yet
or not, so a new agency's mapping needs no reload):

  <contract>/v<major>/submissions   one dynamic partition per submission (``rrn/<id>/personnes.csv``):
                                    read, map, row rules, dataset rules, quarantine, stage      (3 checks each)
  <contract>/v<major>/agencies      the agencies table: every agency's processed submissions
  <contract>/v<major>/integrated    all agencies, one record per key
and ``run_summary``. Each body is a call into ``accord``; mappings are read as they are now, not as they were
when the code location loaded."""

import re
from collections.abc import Iterator
from typing import Any

import dagster as dg

from accord.agency import agency_results, publish_agencies, published_now
from accord.contracts import Contract
from accord.contracts.model import Field
from accord.identity.resolve import resolve
from accord.identity.tables import key_health
from accord.intake import Intake
from accord.intake.store import Submission
from accord.integrate import integrate
from accord.publish.parquet import AGENCY
from accord.publish.pseudonym import load_key
from accord.publish.tables import AGENCIES, IDENTITIES, INTEGRATED, Table
from accord.settings import DataDirs
from accord.submission import SubmissionResult, recorded_result, result_key, run_submission
from accord.summary import write_run_summary
from pipelines.checks import (
    FOREIGN_KEYS_CHECK,
    latest_materialization,
    link,
    location,
    orphan_check,
    present,
    submission_check_specs,
    submission_checks,
)
from pipelines.resources import AccordResource

UNMAPPED_TAG = "accord/mapped"
STATUS_TAG = "accord/status"  # the contract version's lifecycle status: proposed, active, deprecated, retired
PUBLISHED_AGENCIES = "published_agencies"  # metadata of an agencies table: the agencies this run committed
RETRIES = dg.RetryPolicy(max_retries=2, delay=2, backoff=dg.Backoff.EXPONENTIAL)  # publication steps
FORBIDDEN_IN_KEYS = ("...", "\a", "\b", "\f", "\n", "\r", "\t", "\v", "\0")  # Dagster refuses them in a key


def contract_prefix(contract: Contract) -> list[str]:
    return [contract.id, f"v{contract.major}"]


def contract_slug(contract: Contract) -> str:
    return f"{contract.id}_v{contract.major}"


def contract_key(contract: Contract) -> str:
    """``person/v1``, as recorded on submissions."""
    return f"{contract.id}/v{contract.major}"


def partitions_name(key: str) -> str:
    """``person/v1`` -> ``person_v1_submissions``: one dynamic partition per submission."""
    return key.replace("/", "_") + "_submissions"


def submission_job_name(key: str) -> str:
    """``person/v1`` -> ``person_v1_submission``: the job that processes submissions of that contract."""
    return key.replace("/", "_") + "_submission"


def partitions_for(contract: Contract) -> dg.DynamicPartitionsDefinition:
    return dg.DynamicPartitionsDefinition(name=partitions_name(contract_key(contract)))


def partition_key(submission: Submission) -> str:
    """``rrn/8fb87bd472edd4d9/personnes_2026-11.csv``: agency, the submission id's content part (from which
    ``submission_id_of`` gets the id back), then the file. The UI cuts a long key in its middle: the agency and
    the content at the start, the file name at the end stay in view, so two files of one agency are told apart."""
    name = submission.file_name
    for forbidden in FORBIDDEN_IN_KEYS:
        name = name.replace(forbidden, "_")
    content = submission.submission_id.removeprefix(f"{submission.agency}-")
    return f"{submission.agency}/{content}/{name}"


def submission_id_of(key: str) -> str:
    """The submission of a partition key (also of the keys before: ``rrn/<day>/<file>#<content>``)."""
    agency, second, _ = key.split("/", 2)
    before = re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", second) and "#" in key  # a day, not a content id
    return f"{agency}-{key.rsplit('#', 1)[1] if before else second}"


def by_contract(submissions: list[Submission]) -> dict[str, list[Submission]]:
    """Submissions grouped by the contract version they feed (``person/v1``), in their order."""
    grouped: dict[str, list[Submission]] = {}
    for submission in submissions:
        grouped.setdefault(submission.target, []).append(submission)
    return grouped


def run_tags(contract: str, submissions: list[Submission]) -> dict[str, str]:
    """What a run over ``submissions`` shows in the UI's run list (sensor runs and ``accord run`` alike)."""
    agencies = sorted({s.agency for s in submissions})
    tags = {"accord/contract": contract, "accord/agency": ",".join(agencies), "accord/files": str(len(submissions))}
    if len(submissions) == 1:
        tags["accord/file"] = submissions[0].file_name
    return tags


def range_tags(keys: list[str]) -> dict[str, str]:
    """One run over several partitions (the asset's backfill policy is a single run)."""
    return {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]}


def _column_schema(contract: Contract) -> dg.TableSchema:
    def describe(f: Field) -> str:
        return f"{f.description} (unit: {f.unit})".strip() if f.unit else f.description

    return dg.TableSchema(columns=[
        dg.TableColumn(f.name, f.type_label, description=describe(f),
                       constraints=dg.TableColumnConstraints(nullable=not f.required, unique=f.unique))
        for f in contract.fields
    ])


def submission_materialization(result: SubmissionResult, key: dg.AssetKey, partition: str, dirs: DataDirs,
                               contract: Contract, processed_now: bool) -> dg.AssetMaterialization:
    """A submission's partition: its counts, links to its files, and where its rows are published (the agencies
    table, its agency's folder in it, and the rows' ``_submission_id``)."""
    storage = dirs.storage
    published = result.rows_published > 0
    return dg.AssetMaterialization(asset_key=key, partition=partition, metadata=present({
        "dagster/row_count": result.rows_published, "submission_id": result.submission_id, "agency": result.agency,
        "source_file": result.source_file, "sha256": result.sha256, "status": result.status,
        "rows_in": result.rows_in, "rows_quarantined": result.rows_quarantined,
        "rejected": result.rejected, "processed_in_this_run": processed_now,
        "data_docs": link(storage, result.data_docs), "errors_csv": link(storage, result.errors_csv),
        "report": link(storage, storage.uri(result_key(result.submission_id))),
        "published_to": location(Table(dirs, contract, AGENCIES).uri) if published else None,
        "published_partition": f"{AGENCY}={result.agency}" if published else None,
    }))


def unmapped_note(contract: Contract, mapped: bool) -> tuple[str, dict[str, str]]:
    """The description prefix and tags of a contract's assets: its lifecycle status (``accord/status``; a
    proposed, deprecated or retired version says so first) and, when no mapping file names it, UNMAPPED."""
    notes = {"proposed": "PROPOSED: not produced until it is published. ",
             "deprecated": f"DEPRECATED: produced until its sunset, {contract.sunset or 'not set'}. ",
             "retired": "RETIRED: no longer produced; its tables stay readable. "}
    note, tags = notes.get(contract.status, ""), {STATUS_TAG: contract.status}
    if mapped:
        return note, tags
    return note + "UNMAPPED: no agency mapping feeds this contract yet; nothing is published. ", {
        **tags, UNMAPPED_TAG: "no"}


def submissions_asset(contract: Contract, mapped: bool = True) -> dg.AssetsDefinition:
    key = dg.AssetKey([*contract_prefix(contract), "submissions"])
    parts = partitions_for(contract)
    note, tags = unmapped_note(contract, mapped)

    @dg.multi_asset(
        name=f"{contract_slug(contract)}_submissions", partitions_def=parts, can_subset=True,
        backfill_policy=dg.BackfillPolicy.single_run(), group_name=contract_slug(contract),
        specs=[dg.AssetSpec(
            key, partitions_def=parts, kinds={"polars", "pandera"}, tags=tags,
            metadata={"dagster/column_schema": _column_schema(contract)},
            description=f"{note}Each submission for {contract.label}: read, mapped, row-checked (the contract's row "
                        "rules), dataset-checked (Great Expectations), bad rows quarantined, good rows staged for "
                        "publication. A submission processed before reports its recorded result.")],
        check_specs=submission_check_specs(key, parts),
    )
    def _asset(context: dg.AssetExecutionContext, accord: AccordResource) -> Iterator[Any]:
        dirs = accord.data
        intake = Intake(dirs, accord.mappings().mappings)
        pseudonyms = load_key()
        failures, refused = [], []
        for partition in context.partition_keys:
            submission_id = submission_id_of(partition)
            if intake.store.find(submission_id) is None:  # a key the instance keeps from another data directory
                context.log.warning(f"{partition}: no such submission in {dirs.url}: skipped")
                continue
            done = run_submission(submission_id, intake, pseudonyms)
            result = done[0] if done else recorded_result(dirs, submission_id)
            if result is None:  # pending, held by another run
                context.log.warning(f"{partition}: another run is processing it")
                continue
            context.log.info(f"{partition}: {result.rows_in} in, {result.rows_published} published, "
                             f"{result.rows_quarantined} quarantined, {result.status}"
                             + ("" if done else " (recorded result: processed before)"))
            if result.status == "failed":
                failures.append(f"{partition}: {result.failure}")
            elif result.rejected:  # never "materialized": the partition stays failed (red), its checks say why
                if done:
                    refused.append(f"{partition}: {result.rejected}")
            else:
                context.log_event(submission_materialization(result, key, partition, dirs, contract, bool(done)))
            target = latest_materialization(context.instance, key, partition)
            for check in submission_checks(result, key, partition, dirs.storage, target):
                context.log_event(check)
        said = [f"{len(items)} {what}: " + "; ".join(items)
                for what, items in (("submission(s) failed", failures), ("file(s) refused", refused)) if items]
        if said:  # after every partition: one bad file never keeps the others from being processed
            raise dg.Failure("; ".join(said), allow_retries=False)
        yield from ()

    return _asset


def agencies_asset(contract: Contract, upstream: dg.AssetKey, mapped: bool = True) -> dg.AssetsDefinition:
    """``mapped``: a mapping file named the contract when the code location loaded. An unmapped contract's table
    is not materialized while nothing is published (grey, never a green empty table)."""
    note, tags = unmapped_note(contract, mapped)

    @dg.asset(key=dg.AssetKey([*contract_prefix(contract), AGENCIES]), deps=[upstream], output_required=mapped,
              group_name=contract_slug(contract), kinds={"deltalake"}, retry_policy=RETRIES, tags=tags,
              description=f"{note}The {contract.label} agencies table (Delta, partitioned by _agency): every "
                          "agency's processed submissions.",
              metadata={"dagster/column_schema": _column_schema(contract)})
    def _asset(context: dg.AssetExecutionContext, accord: AccordResource) -> Iterator[dg.MaterializeResult]:
        dirs = accord.data
        table = Table(dirs, contract, AGENCIES)
        before = table.version()
        versions = publish_agencies(contract, dirs, load_key())
        if not mapped and table.version() is None:
            context.log.info(f"{contract.label}: no agency mapping feeds it; nothing to publish")
            return
        results = {a: r for (a, c, v), r in agency_results(dirs).items() if c == contract.id and v == contract.version}
        yield dg.MaterializeResult(metadata=present({
            "table": location(table.uri) if versions else None, "table_version": table.version(),
            "dagster/row_count": sum(r.rows_published for r in results.values()),
            "rows_by_agency": dg.MetadataValue.json({a: r.rows_published for a, r in sorted(results.items())}),
            "quarantined_by_agency": dg.MetadataValue.json({a: r.rows_quarantined for a, r in sorted(results.items())}),
            "submissions": sum(len(r.submissions) for r in results.values()), "agencies": len(versions),
            PUBLISHED_AGENCIES: dg.MetadataValue.json(published_now(before, versions)),
        }))

    return _asset


class IntegrateConfig(dg.Config):  # type: ignore[misc]
    rebuild: bool = False  # re-write every key range (same rows, a new version), not only the changed ones


IDENTITY_CHECKS = {
    "records_without_entity_key": "every published record has an entity key",
    "records_in_two_entities": "no published record has two entity keys",
    "review_queue": "pairs waiting for a steward (accord identity review): a warning, not an error",
}


def identities_asset(contract: Contract, agencies: dg.AssetKey, mapped: bool = True) -> dg.AssetsDefinition:
    """Identity resolution of a contract that declares it: after the agencies table, before integration."""
    key = dg.AssetKey([*contract_prefix(contract), IDENTITIES])
    checks = [dg.AssetCheckSpec(name, asset=key, description=text) for name, text in IDENTITY_CHECKS.items()]
    note, tags = unmapped_note(contract, mapped)

    @dg.asset(key=key, deps=[agencies], check_specs=checks, group_name=contract_slug(contract),
              kinds={"splink", "deltalake"}, retry_policy=RETRIES, tags=tags,
              description=f"{note}One entity key per published {contract.label} record, across agencies (rules, "
                          "then the Splink model); key changes; the stewards' review queue.")
    def _asset(accord: AccordResource) -> dg.MaterializeResult:
        stats: dict[str, Any] = {}
        version = None
        if Table(accord.data, contract, AGENCIES).version() is not None:
            result = resolve(contract, accord.data, load_key())
            stats, version = result.stats, result.version
        without, several = key_health(accord.data, contract)
        waiting = int(stats.get("pairs_for_review", 0))
        return dg.MaterializeResult(
            metadata={"entities": stats.get("entities", 0), "records": stats.get("records", 0),
                      "records_linked": stats.get("records_linked", 0), "merges": stats.get("merges", 0),
                      "splits": stats.get("splits", 0), "pairs_for_review": waiting,
                      "records_without_identifying_values": stats.get("records_without_identifying_values", 0),
                      "incremental": bool(stats.get("incremental", False)), "table_version": version,
                      "table": location(Table(accord.data, contract, IDENTITIES).uri)},
            check_results=[
                dg.AssetCheckResult(check_name="records_without_entity_key", passed=without == 0,
                                    metadata={"records": without}),
                dg.AssetCheckResult(check_name="records_in_two_entities", passed=several == 0,
                                    metadata={"records": several}),
                dg.AssetCheckResult(check_name="review_queue", passed=waiting == 0,
                                    severity=dg.AssetCheckSeverity.WARN, metadata={"pairs": waiting}),
            ])

    return _asset


def integrated_asset(contract: Contract, agencies: dg.AssetKey, mapped: bool = True) -> dg.AssetsDefinition:
    """``agencies``: the asset it follows (the identities asset, for a contract that resolves identities)."""
    key = dg.AssetKey([*contract_prefix(contract), INTEGRATED])
    targets = [dg.AssetKey([fk.contract, f"v{fk.major}", INTEGRATED]) for fk in contract.foreign_keys]
    checks = [dg.AssetCheckSpec(FOREIGN_KEYS_CHECK, asset=key, description="values of " + ", ".join(
        f"{fk.column} found in {fk.references}" for fk in contract.foreign_keys))] if contract.foreign_keys else []

    note, tags = unmapped_note(contract, mapped)

    @dg.asset(key=key, deps=[agencies, *dict.fromkeys(targets)], check_specs=checks,
              group_name=contract_slug(contract), kinds={"deltalake"}, retry_policy=RETRIES, tags=tags,
              description=f"{note}All agencies' published {contract.label} rows, one record per primary key.",
              metadata={"dagster/column_schema": _column_schema(contract)})
    def _asset(config: IntegrateConfig, accord: AccordResource) -> dg.MaterializeResult:
        if Table(accord.data, contract, AGENCIES).version() is None:
            return dg.MaterializeResult(metadata={"dagster/row_count": 0, "waiting": "no agency has published yet"},
                                        check_results=[orphan_check(())] if checks else None)
        result = integrate(contract, accord.data, load_key(), rebuild=config.rebuild)
        return dg.MaterializeResult(check_results=[orphan_check(result.foreign_keys)] if checks else None,
                                    metadata={
            "dagster/row_count": result.rows, "records_before_dedup": result.records_before_dedup,
            "merged_records": result.merged_records, "rows_by_agency": dg.MetadataValue.json(result.rows_by_agency),
            "table": location(result.uri), "table_version": result.version,
            "files_replaced": result.files_replaced, "files_kept": result.files_kept,
        })

    return _asset


def publish_tags(instance: dg.DagsterInstance, run_id: str) -> dict[str, str]:
    """What a publication run published: the contracts whose agencies table it committed, and those agencies
    (read from its ``agencies`` materializations), as the run's ``accord/contract`` and ``accord/agency`` tags."""
    contracts, agencies = [], set()
    for record in instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records:
        materialization = record.event_log_entry.asset_materialization
        if materialization is None or materialization.asset_key.path[-1] != AGENCIES:
            continue
        published = materialization.metadata.get(PUBLISHED_AGENCIES)
        if published is not None and published.value:
            contracts.append("/".join(materialization.asset_key.path[:-1]))
            agencies.update(published.value)
    return {"accord/contract": ",".join(sorted(contracts)) or "none", "accord/agency": ",".join(sorted(agencies))
            or "none"}


def summary_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(key=dg.AssetKey(["run_summary"]), deps=upstream, group_name="reports",
              description="reports/run-summary.json: rows in / published / quarantined per agency and contract. "
                          "Tags its run with the contracts and agencies it published.")
    def _asset(context: dg.AssetExecutionContext, accord: AccordResource) -> dg.MaterializeResult:
        path = write_run_summary(accord.data, run_id=context.run_id)
        context.instance.add_run_tags(context.run_id, publish_tags(context.instance, context.run_id))
        return dg.MaterializeResult(metadata={"path": link(accord.data.storage, path)})

    return _asset
