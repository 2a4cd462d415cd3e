"""Asset factories. Per contract version (every contract in ``contracts/``, whether an agency maps onto it yet
or not, so a new agency's mapping needs no reload):

  <contract>/v<major>/submissions   one dynamic partition per submission (``rrn/2026-11-04/personnes.csv#<id>``):
                                    read, map, row rules, dataset rules, quarantine, stage      (3 checks each)
  <contract>/v<major>/agencies      the agencies table: every agency's processed submissions
  <contract>/v<major>/integrated    all agencies, one record per key
and ``run_summary``. Each body is a call into ``accord``; mappings are read as they are now, not as they were
when the code location loaded."""

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,  # not exported; needed to tie a result to its partition
)

from accord.agency import agency_results, publish_agencies
from accord.contracts import Contract
from accord.contracts.model import Field
from accord.intake import Intake
from accord.intake.store import Submission
from accord.integrate import OrphanReport, integrate
from accord.publish.pseudonym import load_key
from accord.publish.tables import AGENCIES, INTEGRATED, Table
from accord.submission import SubmissionResult, recorded_result, result_key, run_submission
from accord.summary import write_run_summary
from pipelines.resources import AccordResource

ROW_RULES = "row_rules"
DATASET_RULES = "dataset_rules"
ROWS_BALANCED = "rows_balanced"
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
    """``rrn/2026-11-04/personnes_2026-11.csv#8fb87bd472edd4d9``: agency, day received, file, then the
    submission id's content part, from which ``submission_id_of`` gets the id back."""
    name = submission.file_name
    for forbidden in FORBIDDEN_IN_KEYS:
        name = name.replace(forbidden, "_")
    content = submission.submission_id.removeprefix(f"{submission.agency}-")
    return f"{submission.agency}/{submission.received_at[:10]}/{name}#{content}"


def submission_id_of(key: str) -> str:
    return f"{key.split('/', 1)[0]}-{key.rsplit('#', 1)[1]}"


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


def link(uri: str | None) -> dg.MetadataValue | None:
    """A link the UI opens: a local file as ``file://``, anything else (``s3://``) as it is."""
    if not uri:
        return None
    return dg.MetadataValue.url(Path(uri).as_uri() if uri.startswith("/") else uri)


def present(metadata: dict[str, Any]) -> dict[str, Any]:
    """Without the empty values (a blank link is worse than none)."""
    return {k: v for k, v in metadata.items() if v is not None and v != "" and v != []}


def latest_materialization(instance: dg.DagsterInstance, key: dg.AssetKey, partition: str,
                           ) -> AssetCheckEvaluationTargetMaterializationData | None:
    """The materialization a partition's check results are about: the UI shows a check result on a partition
    only while it points at the partition's latest materialization."""
    records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition]),
                                              limit=1).records
    if not records:
        return None
    return AssetCheckEvaluationTargetMaterializationData(storage_id=records[0].storage_id, run_id=records[0].run_id,
                                                         timestamp=records[0].timestamp)


def _check(result: SubmissionResult, key: dg.AssetKey, partition: str, name: str, passed: bool,
           severity: dg.AssetCheckSeverity, metadata: dict[str, Any],
           target: AssetCheckEvaluationTargetMaterializationData | None) -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(asset_key=key, check_name=name, passed=passed, severity=severity,
                                   partition=partition, target_materialization_data=target,
                                   metadata=present({**metadata, "submission_id": result.submission_id}))


def submission_checks(result: SubmissionResult, key: dg.AssetKey, partition: str,
                      target: AssetCheckEvaluationTargetMaterializationData | None = None,
                      ) -> list[dg.AssetCheckEvaluation]:
    """The three checks of one submission, on its partition: quarantined rows are a warning (the rows are
    kept aside with a reason, the rest is published), failed dataset rules or unbalanced rows an error."""
    failed_rules = [f"{o['type']}({o['column'] or ''})" for o in result.dataset_rules if not o["success"]]
    not_run = result.rejected or result.failure
    return [
        _check(result, key, partition, ROW_RULES, result.rows_quarantined == 0 and not not_run,
               dg.AssetCheckSeverity.WARN,
               {"rows_checked": result.rows_in, "rows_quarantined": result.rows_quarantined,
                "failures_by_rule": dg.MetadataValue.json(result.rule_counts) if result.rule_counts else None,
                "rejected": result.rejected, "errors_csv": link(result.errors_csv)}, target),
        _check(result, key, partition, DATASET_RULES, result.dataset_rules_success is True,
               dg.AssetCheckSeverity.ERROR,
               {"expectations": len(result.dataset_rules),
                "failed": dg.MetadataValue.json(failed_rules) if failed_rules else None,
                "not_run": not_run if result.dataset_rules_success is None else None,
                "data_docs": link(result.data_docs)}, target),
        _check(result, key, partition, ROWS_BALANCED, result.balanced, dg.AssetCheckSeverity.ERROR,
               {"rows_in": result.rows_in, "rows_published": result.rows_published,
                "rows_quarantined": result.rows_quarantined, "failure": result.failure}, target),
    ]


def submission_materialization(result: SubmissionResult, key: dg.AssetKey, partition: str, report: str | None,
                               processed_now: bool) -> dg.AssetMaterialization:
    return dg.AssetMaterialization(asset_key=key, partition=partition, metadata=present({
        "dagster/row_count": result.rows_published, "submission_id": result.submission_id, "agency": result.agency,
        "source_file": result.source_file, "sha256": result.sha256, "status": result.status,
        "rows_in": result.rows_in, "rows_quarantined": result.rows_quarantined,
        "rejected": result.rejected, "processed_in_this_run": processed_now,
        "data_docs": link(result.data_docs), "errors_csv": link(result.errors_csv), "report": link(report),
        "published_part": link(result.staged_file),
    }))


def _check_specs(key: dg.AssetKey, parts: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    """One result per submission partition, so the UI shows each submission's own (partitioned checks are "in
    preview" in Dagster 1.13: the version is pinned)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return [
            dg.AssetCheckSpec(ROW_RULES, asset=key, partitions_def=parts,
                              description="contract row rules (one polars plan, held to pandera by the tests); "
                                          "failing rows are quarantined with a reason (a warning: the other rows "
                                          "are published)"),
            dg.AssetCheckSpec(DATASET_RULES, asset=key, partitions_def=parts,
                              description="contract dataset rules (Great Expectations)"),
            dg.AssetCheckSpec(ROWS_BALANCED, asset=key, partitions_def=parts,
                              description="rows in = published + quarantined"),
        ]


def submissions_asset(contract: Contract) -> dg.AssetsDefinition:
    key = dg.AssetKey([*contract_prefix(contract), "submissions"])
    parts = partitions_for(contract)

    @dg.multi_asset(
        name=f"{contract_slug(contract)}_submissions", partitions_def=parts, can_subset=True,
        backfill_policy=dg.BackfillPolicy.single_run(), group_name=contract_slug(contract),
        specs=[dg.AssetSpec(
            key, partitions_def=parts, kinds={"polars", "pandera"},
            metadata={"dagster/column_schema": _column_schema(contract)},
            description=f"Each submission for {contract.label}: read, mapped, row-checked (the contract's row rules), "
                        "dataset-checked (Great Expectations), bad rows quarantined, good rows staged for "
                        "publication. A submission processed before reports its recorded result.")],
        check_specs=_check_specs(key, parts),
    )
    def _asset(context: dg.AssetExecutionContext, accord: AccordResource) -> Iterator[Any]:
        dirs = accord.data
        intake = Intake(dirs, accord.mappings().mappings)
        pseudonyms = load_key()
        failures = []
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
            else:
                context.log_event(submission_materialization(result, key, partition,
                                                             dirs.storage.uri(result_key(submission_id)), bool(done)))
            target = latest_materialization(context.instance, key, partition)
            for check in submission_checks(result, key, partition, target):
                context.log_event(check)
        if failures:
            raise dg.Failure(f"{len(failures)} submission(s) failed: " + "; ".join(failures), allow_retries=False)
        yield from ()

    return _asset


def agencies_asset(contract: Contract, upstream: dg.AssetKey) -> dg.AssetsDefinition:
    @dg.asset(key=dg.AssetKey([*contract_prefix(contract), AGENCIES]), deps=[upstream],
              group_name=contract_slug(contract), kinds={"deltalake"}, retry_policy=RETRIES,
              description=f"The {contract.label} agencies table (Delta, partitioned by _agency): every agency's "
                          "processed submissions.",
              metadata={"dagster/column_schema": _column_schema(contract)})
    def _asset(accord: AccordResource) -> dg.MaterializeResult:
        dirs = accord.data
        versions = publish_agencies(contract, dirs, load_key())
        results = {a: r for (a, c, v), r in agency_results(dirs).items() if c == contract.id and v == contract.version}
        table = Table(dirs, contract, AGENCIES)
        return dg.MaterializeResult(metadata=present({
            "table": link(table.uri) if versions else None, "table_version": table.version(),
            "dagster/row_count": sum(r.rows_published for r in results.values()),
            "rows_by_agency": dg.MetadataValue.json({a: r.rows_published for a, r in sorted(results.items())}),
            "quarantined_by_agency": dg.MetadataValue.json({a: r.rows_quarantined for a, r in sorted(results.items())}),
            "submissions": sum(len(r.submissions) for r in results.values()), "agencies": len(versions),
        }))

    return _asset


class IntegrateConfig(dg.Config):  # type: ignore[misc]
    rebuild: bool = False  # re-write every key range (same rows, a new version), not only the changed ones


FOREIGN_KEYS_CHECK = "foreign_keys"


def _orphan_check(reports: tuple[OrphanReport, ...]) -> dg.AssetCheckResult:
    """Every row's foreign key found in the other dataset (WARN: orphans are reported per agency; with
    ``onOrphan: quarantine`` they are not in the dataset, so the check passes and still counts them)."""
    open_orphans = sum(r.rows for r in reports if r.on_orphan == "warn")
    return dg.AssetCheckResult(check_name=FOREIGN_KEYS_CHECK, passed=open_orphans == 0,
                               severity=dg.AssetCheckSeverity.WARN, metadata={
                                   "orphans": sum(r.rows for r in reports),
                                   "reports": dg.MetadataValue.json([r.to_json() for r in reports])})


def integrated_asset(contract: Contract, agencies: dg.AssetKey) -> dg.AssetsDefinition:
    key = dg.AssetKey([*contract_prefix(contract), INTEGRATED])
    targets = [dg.AssetKey([fk.contract, f"v{fk.major}", INTEGRATED]) for fk in contract.foreign_keys]
    checks = [dg.AssetCheckSpec(FOREIGN_KEYS_CHECK, asset=key, description="values of " + ", ".join(
        f"{fk.column} found in {fk.references}" for fk in contract.foreign_keys))] if contract.foreign_keys else []

    @dg.asset(key=key, deps=[agencies, *dict.fromkeys(targets)], check_specs=checks,
              group_name=contract_slug(contract), kinds={"deltalake"}, retry_policy=RETRIES,
              description=f"All agencies' published {contract.label} rows, one record per primary key.",
              metadata={"dagster/column_schema": _column_schema(contract)})
    def _asset(config: IntegrateConfig, accord: AccordResource) -> dg.MaterializeResult:
        if Table(accord.data, contract, AGENCIES).version() is None:
            return dg.MaterializeResult(metadata={"dagster/row_count": 0, "waiting": "no agency has published yet"},
                                        check_results=[_orphan_check(())] if checks else None)
        result = integrate(contract, accord.data, load_key(), rebuild=config.rebuild)
        return dg.MaterializeResult(check_results=[_orphan_check(result.foreign_keys)] if checks else None,
                                    metadata={
            "dagster/row_count": result.rows, "records_before_dedup": result.records_before_dedup,
            "merged_records": result.merged_records, "rows_by_agency": dg.MetadataValue.json(result.rows_by_agency),
            "table": link(result.uri), "table_version": result.version,
            "files_replaced": result.files_replaced, "files_kept": result.files_kept,
        })

    return _asset


def summary_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(key=dg.AssetKey(["run_summary"]), deps=upstream, group_name="reports",
              description="reports/run-summary.json: rows in / published / quarantined per agency and contract.")
    def _asset(context: dg.AssetExecutionContext, accord: AccordResource) -> dg.MaterializeResult:
        path = write_run_summary(accord.data, run_id=context.run_id)
        return dg.MaterializeResult(metadata={"path": link(path)})

    return _asset
