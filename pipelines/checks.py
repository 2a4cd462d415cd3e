"""Asset checks, and the links their metadata carries.

Per submission partition (``<contract>/v<major>/submissions``): ``file_accepted`` (ERROR: the file was read and
mapped, not refused), ``row_rules`` (WARN: rows quarantined), ``dataset_rules`` (ERROR), ``rows_balanced``
(ERROR). Per agency and contract version it maps onto: ``mapping_loads_<agency>`` (ERROR), evaluated by the
landing sensor and by ``accord run`` whenever its answer changes. On ``integrated``: ``foreign_keys`` (WARN)."""


import warnings
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster._core.definitions.asset_checks.asset_check_evaluation import (
    AssetCheckEvaluationTargetMaterializationData,  # not exported; needed to tie a result to its partition
)

from accord.contracts import ContractRegistry
from accord.contracts.lifecycle import produced
from accord.integrate import OrphanReport
from accord.links import file_link
from accord.mapping.health import HealthReport, MappingHealth
from accord.storage import Storage
from accord.submission import SubmissionResult, result_key
from pipelines.resources import AccordResource

FILE_ACCEPTED = "file_accepted"
ROW_RULES = "row_rules"
DATASET_RULES = "dataset_rules"
ROWS_BALANCED = "rows_balanced"
MAPPING_LOADS = "mapping_loads"
FOREIGN_KEYS_CHECK = "foreign_keys"


def link(storage: Storage, uri: str | None) -> dg.MetadataValue | None:
    """A link the UI opens: through the portal when ``$ACCORD_PORTAL_URL`` is set, else ``file://`` or ``s3://``
    (``accord.links``)."""
    url = file_link(storage, uri)
    return dg.MetadataValue.url(url) if url else None


def location(uri: str | None) -> dg.MetadataValue | None:
    """Where a table is, for an engine to open (a folder is not a link a browser can follow)."""
    return dg.MetadataValue.path(uri) if uri else None


def present(metadata: dict[str, Any]) -> dict[str, Any]:
    """Without the empty values (a blank link is worse than none)."""
    return {k: v for k, v in metadata.items() if v is not None and v != "" and v != []}


def latest_materialization(instance: dg.DagsterInstance, key: dg.AssetKey, partition: str | None = None,
                           ) -> AssetCheckEvaluationTargetMaterializationData | None:
    """The materialization check results are about: the UI shows a check result on a partition only while it
    points at the partition's latest materialization, and a check of the whole asset (``partition`` None) only
    while it points at the asset's latest one, of any partition."""
    records = instance.fetch_materializations(dg.AssetRecordsFilter(
        asset_key=key, asset_partitions=[partition] if partition is not None else None), limit=1).records
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


def submission_checks(result: SubmissionResult, key: dg.AssetKey, partition: str, storage: Storage,
                      target: AssetCheckEvaluationTargetMaterializationData | None = None,
                      ) -> list[dg.AssetCheckEvaluation]:
    """The four checks of one submission, on its partition: a refused file is an error, quarantined rows a
    warning (the rows are kept aside with a reason, the rest is published), failed dataset rules or unbalanced
    rows an error. A refused file's rules did not run: only ``file_accepted`` is recorded (the others are not
    evaluated, never a red failure of rules that did not run)."""
    failed_rules = [f"{o['type']}({o['column'] or ''})" for o in result.dataset_rules if not o["success"]]
    not_run = result.rejected or result.failure
    checks = [
        _check(result, key, partition, FILE_ACCEPTED, not result.rejected, dg.AssetCheckSeverity.ERROR,
               {"refused": result.rejected, "reason": result.rejection_reason,
                "report": link(storage, storage.uri(result_key(result.submission_id)))}, target),
        _check(result, key, partition, ROW_RULES, result.rows_quarantined == 0 and not not_run,
               dg.AssetCheckSeverity.WARN,
               {"rows_checked": result.rows_in, "rows_quarantined": result.rows_quarantined,
                "failures_by_rule": dg.MetadataValue.json(result.rule_counts) if result.rule_counts else None,
                "rejected": result.rejected, "errors_csv": link(storage, result.errors_csv)}, target),
        _check(result, key, partition, DATASET_RULES, result.dataset_rules_success is True,
               dg.AssetCheckSeverity.ERROR,
               {"expectations": len(result.dataset_rules),
                "failed": dg.MetadataValue.json(failed_rules) if failed_rules else None,
                "not_run": not_run if result.dataset_rules_success is None else None,
                "data_docs": link(storage, result.data_docs)}, target),
        _check(result, key, partition, ROWS_BALANCED, result.balanced, dg.AssetCheckSeverity.ERROR,
               {"rows_in": result.rows_in, "rows_published": result.rows_published,
                "rows_quarantined": result.rows_quarantined, "failure": result.failure}, target),
    ]
    return checks[:1] if result.rejected else checks


def submission_check_specs(key: dg.AssetKey, parts: dg.PartitionsDefinition) -> list[dg.AssetCheckSpec]:
    """One result per submission partition, so the UI shows each submission's own (partitioned checks are "in
    preview" in Dagster 1.13: the version is pinned)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return [
            dg.AssetCheckSpec(FILE_ACCEPTED, asset=key, partitions_def=parts,
                              description="the file was read and mapped (a refused file publishes nothing: its "
                                          "run fails, the other files of the run are still published)"),
            dg.AssetCheckSpec(ROW_RULES, asset=key, partitions_def=parts,
                              description="contract row rules (one polars plan, held to pandera by the tests); "
                                          "failing rows are quarantined with a reason (a warning: the other rows "
                                          "are published)"),
            dg.AssetCheckSpec(DATASET_RULES, asset=key, partitions_def=parts,
                              description="contract dataset rules (Great Expectations)"),
            dg.AssetCheckSpec(ROWS_BALANCED, asset=key, partitions_def=parts,
                              description="rows in = published + quarantined"),
        ]


# -- mappings --------------------------------------------------------------------------------------------------
def mapping_check_name(agency: str) -> str:
    return f"{MAPPING_LOADS}_{agency}"


def submissions_key(target: str) -> dg.AssetKey:
    """``person/v1`` -> the asset key ``person/v1/submissions``."""
    return dg.AssetKey([*target.split("/"), "submissions"])


def mapping_check_specs(pairs: list[tuple[str, str]], served: set[str]) -> list[dg.AssetCheckSpec]:
    """A ``mapping_loads_<agency>`` check on each served contract's submissions asset, per agency whose mapping
    files name that contract version when the code location loads (a new agency's appears after a reload)."""
    return [dg.AssetCheckSpec(mapping_check_name(agency), asset=submissions_key(target),
                              description=f"agency {agency}'s mapping onto {target} loads (else its files wait in "
                                          "landing; the metadata gives lint's findings and hints)")
            for agency, target in pairs if target in served]


def mapping_checks(specs: list[dg.AssetCheckSpec]) -> dg.AssetChecksDefinition:
    """The ``mapping_loads`` checks, run on demand from the UI (the submission jobs leave them out); the landing
    sensor and ``accord run`` record them too whenever their answer changes."""

    @dg.multi_asset_check(specs=specs, can_subset=True, name="mapping_loads",
                          description="each agency's mappings load, per contract version they name")
    def _checks(context: dg.AssetCheckExecutionContext, accord: AccordResource) -> Iterator[dg.AssetCheckResult]:
        found = {(h.target, h.agency): h for h in accord.mapping_health().pairs}
        for key in context.selected_asset_check_keys:
            target = "/".join(key.asset_key.path[:-1])
            agency = key.name.removeprefix(f"{MAPPING_LOADS}_")
            health = found.get((target, agency), MappingHealth(agency, target, (), (
                f"no mapping file of agency {agency} names {target} any more",)))
            evaluation = _mapping_evaluation(health)
            yield dg.AssetCheckResult(asset_key=key.asset_key, check_name=key.name, passed=evaluation.passed,
                                      severity=evaluation.severity, metadata=evaluation.metadata)

    return _checks


FEEDS_ACTIVE = "feeds_active_major"


def lifecycle_check_specs(pairs: list[tuple[str, str]], served: set[str]) -> list[dg.AssetCheckSpec]:
    """A ``feeds_active_major_<agency>`` check on each served contract version an agency's mappings name."""
    return [dg.AssetCheckSpec(f"{FEEDS_ACTIVE}_{agency}", asset=submissions_key(target),
                              description=f"agency {agency} feeds the newest active major of {target.split('/')[0]} "
                                          "(WARN while it feeds a deprecated one before its sunset, ERROR after)")
            for agency, target in pairs if target in served]


def lifecycle_checks(specs: list[dg.AssetCheckSpec]) -> dg.AssetChecksDefinition:
    """The ``feeds_active_major`` checks, on demand: does each agency feed the newest active major of each
    contract it maps (``accord.contracts.lifecycle``)?"""

    @dg.multi_asset_check(specs=specs, can_subset=True, name=FEEDS_ACTIVE,
                          description="each agency feeds the newest active major of the contracts it maps")
    def _checks(context: dg.AssetCheckExecutionContext, accord: AccordResource) -> Iterator[dg.AssetCheckResult]:
        registry = accord.contracts()
        for key in context.selected_asset_check_keys:
            contract_id, major = key.asset_key.path[0], int(key.asset_key.path[1].removeprefix("v"))
            passed, severity, why = feeds_active(registry, contract_id, major)
            yield dg.AssetCheckResult(asset_key=key.asset_key, check_name=key.name, passed=passed, severity=severity,
                                      metadata={"status": why})

    return _checks


def feeds_active(registry: ContractRegistry, contract_id: str, major: int) -> tuple[bool, dg.AssetCheckSeverity, str]:
    """(passed, severity, why) for an agency whose mapping names ``contract_id`` major ``major``."""
    fed = registry.resolve(contract_id, major)
    newest = max((c.major for c in registry.contracts if c.id == contract_id and c.status == "active"), default=None)
    if fed.status == "active" and (newest is None or major >= newest):
        return True, dg.AssetCheckSeverity.WARN, f"{fed.label} is the newest active major"
    if produced(fed):
        return False, dg.AssetCheckSeverity.WARN, (f"{fed.label} is {fed.status}, produced until its sunset "
                                                   f"({fed.sunset or 'not set'}); migrate to {contract_id} v{newest}")
    return False, dg.AssetCheckSeverity.ERROR, f"{fed.label} is {fed.status}: no longer produced"


def _mapping_evaluation(health: MappingHealth, target: AssetCheckEvaluationTargetMaterializationData | None = None,
                        ) -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=submissions_key(health.target), check_name=mapping_check_name(health.agency), passed=health.loads,
        severity=dg.AssetCheckSeverity.ERROR, target_materialization_data=target, metadata=present({
            "files": ", ".join(health.files), "problems": "\n".join(health.problems),
            "fix": "run `accord mapping lint` on the file, correct it; the next sensor tick uses it"
            if health.problems else None}))


def _latest(instance: dg.DagsterInstance, key: dg.AssetCheckKey) -> tuple[bool, str, int | None] | None:
    """The latest evaluation's answer (passed, problems, the materialization it is about); None if never
    evaluated."""
    for record in instance.event_log_storage.get_asset_check_execution_history(key, limit=10):
        event = record.event.dagster_event if record.event is not None else None
        evaluation = event.event_specific_data if event is not None else None
        if isinstance(evaluation, dg.AssetCheckEvaluation):  # not a run's "planned" record
            problems = evaluation.metadata.get("problems")
            about = evaluation.target_materialization_data
            shown = problems.value if problems is not None else ""
            return evaluation.passed, shown, about.storage_id if about else None
    return None


def report_mapping_health(instance: dg.DagsterInstance, report: HealthReport, specs: set[dg.AssetCheckKey]) -> None:
    """Record the ``mapping_loads`` checks whose answer changed since their latest evaluation, or whose asset was
    materialized since (so the UI shows them evaluated, green or red, never "not evaluated"; a sensor ticking every
    15 s adds an event only then)."""
    targets: dict[str, AssetCheckEvaluationTargetMaterializationData | None] = {}  # one look-up per asset
    for health in report.pairs:
        key = dg.AssetCheckKey(submissions_key(health.target), mapping_check_name(health.agency))
        if key not in specs:
            continue
        if health.target not in targets:
            targets[health.target] = latest_materialization(instance, key.asset_key)
        target = targets[health.target]
        answer = (health.loads, "\n".join(health.problems), target.storage_id if target else None)
        if _latest(instance, key) != answer:
            instance.report_runless_asset_event(_mapping_evaluation(health, target))


# -- integration -------------------------------------------------------------------------------------------------
def orphan_check(reports: tuple[OrphanReport, ...]) -> dg.AssetCheckResult:
    """Every row's foreign key found in the other dataset (WARN: orphans are reported per agency; with
    ``onOrphan: quarantine`` they are not in the dataset, so the check passes and still counts them)."""
    open_orphans = sum(r.rows for r in reports if r.on_orphan == "warn")
    return dg.AssetCheckResult(check_name=FOREIGN_KEYS_CHECK, passed=open_orphans == 0,
                               severity=dg.AssetCheckSeverity.WARN, metadata={
                                   "orphans": sum(r.rows for r in reports),
                                   "reports": dg.MetadataValue.json([r.to_json() for r in reports])})
