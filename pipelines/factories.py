"""Asset factories. Per contract version:

  <contract>/v<major>/submissions   partitioned, one dynamic partition per submission: read, map, row rules,
                                    dataset rules, quarantine, stage                      (3 checks)
  <contract>/v<major>/<agency>      the agency's published partition (every processed submission)
  <contract>/v<major>/integrated    all agencies, one record per key
and ``run_summary``. Each body is a call into ``accord``."""

from typing import Any

import dagster as dg

from accord.agency import AgencyResult, agency_results, publish_agency
from accord.contracts import Contract
from accord.intake import Intake
from accord.integrate import integrate
from accord.mapping import Mapping
from accord.publish.pseudonym import load_key
from accord.publish.tables import AGENCIES, Table
from accord.submission import SubmissionResult, run_submission
from accord.summary import write_run_summary
from pipelines.resources import AccordResource

ROW_RULES = "row_rules"
DATASET_RULES = "dataset_rules"
ROWS_BALANCED = "rows_balanced"
RETRIES = dg.RetryPolicy(max_retries=2, delay=2, backoff=dg.Backoff.EXPONENTIAL)  # publication steps


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
    """``person/v1`` -> ``person_v1_submission``: the job that processes one submission."""
    return key.replace("/", "_") + "_submission"


def partitions_for(contract: Contract) -> dg.DynamicPartitionsDefinition:
    return dg.DynamicPartitionsDefinition(name=partitions_name(contract_key(contract)))


def _column_schema(contract: Contract) -> dg.TableSchema:
    return dg.TableSchema(columns=[
        dg.TableColumn(f.name, f.logical_type, description=f.description,
                       constraints=dg.TableColumnConstraints(nullable=not f.required, unique=f.unique))
        for f in contract.fields
    ])


def _submission_checks(result: SubmissionResult, checked: Any) -> list[dg.AssetCheckResult]:
    return [
        dg.AssetCheckResult(
            check_name=ROW_RULES, passed=result.rows_quarantined == 0 and result.rejected is None,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"rows_checked": result.rows_in, "rows_quarantined": result.rows_quarantined,
                      "failures_by_rule": dg.MetadataValue.json(result.rule_counts),
                      "rejected": result.rejected or "", "errors_csv": result.errors_csv or ""},
        ),
        dg.AssetCheckResult(
            check_name=DATASET_RULES, passed=bool(checked is not None and checked.success),
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"expectations": len(checked.outcomes) if checked else 0,
                      "failed": dg.MetadataValue.json([f"{o.type}({o.column or ''})" for o in checked.failed]
                                                      if checked else ["not run: " + (result.rejected or "")]),
                      "data_docs": result.data_docs or ""},
        ),
        dg.AssetCheckResult(
            check_name=ROWS_BALANCED, passed=result.balanced, severity=dg.AssetCheckSeverity.ERROR,
            metadata={"rows_in": result.rows_in, "rows_published": result.rows_published,
                      "rows_quarantined": result.rows_quarantined},
        ),
    ]


def submissions_asset(contract: Contract, mappings: list[Mapping]) -> dg.AssetsDefinition:
    key = dg.AssetKey([*contract_prefix(contract), "submissions"])

    @dg.asset(
        key=key, partitions_def=partitions_for(contract), group_name=contract_slug(contract),
        description=f"Each submission for {contract.label}: read, mapped, row-checked (pandera), dataset-checked "
                    "(Great Expectations), bad rows quarantined, good rows staged for publication.",
        check_specs=[
            dg.AssetCheckSpec(ROW_RULES, asset=key, description="contract row rules (pandera); failing rows are "
                              "quarantined with a reason"),
            dg.AssetCheckSpec(DATASET_RULES, asset=key, blocking=True,
                              description="contract dataset rules (Great Expectations); blocks publication"),
            dg.AssetCheckSpec(ROWS_BALANCED, asset=key, description="rows in = published + quarantined"),
        ],
        kinds={"polars", "pandera"}, metadata={"dagster/column_schema": _column_schema(contract)},
    )
    def _asset(context: dg.AssetExecutionContext, accord: AccordResource) -> dg.MaterializeResult:
        intake = Intake(accord.data, mappings)
        done = run_submission(context.partition_key, intake, load_key())
        if done is None:
            raise dg.Failure(f"submission {context.partition_key} is not pending, or another run holds it",
                             allow_retries=False)
        result, checked = done
        if result.status == "failed":
            raise dg.Failure(f"submission {result.submission_id} failed: {result.failure}", allow_retries=False,
                             metadata={"failure": result.failure or ""})
        context.log.info(f"{result.submission_id}: {result.rows_in} in, {result.rows_published} published, "
                         f"{result.rows_quarantined} quarantined, {result.status}")
        return dg.MaterializeResult(
            metadata={"dagster/row_count": result.rows_published, "agency": result.agency,
                      "source_file": result.source_file, "sha256": result.sha256, "status": result.status,
                      "rows_in": result.rows_in, "rows_quarantined": result.rows_quarantined},
            check_results=_submission_checks(result, checked),
        )

    return _asset


def _agency_metadata(result: AgencyResult | None) -> dict[str, Any]:
    if result is None:
        return {"submissions": 0}
    return {"submissions": len(result.submissions), "rows_in": result.rows_in,
            "rows_published": result.rows_published, "rows_quarantined": result.rows_quarantined,
            "rejected_files": dg.MetadataValue.json(result.rejected)}


def agency_asset(contract: Contract, agency: str, upstream: dg.AssetKey) -> dg.AssetsDefinition:
    @dg.asset(key=dg.AssetKey([*contract_prefix(contract), agency]), deps=[upstream],
              group_name=contract_slug(contract), kinds={"parquet"}, retry_policy=RETRIES,
              automation_condition=dg.AutomationCondition.eager(),
              description=f"{agency}'s published partition of {contract.label}: every processed submission.",
              metadata={"dagster/column_schema": _column_schema(contract)})
    def _asset(accord: AccordResource) -> dg.MaterializeResult:
        data = accord.data
        version = publish_agency(contract, agency, data, load_key())
        result = agency_results(data).get((agency, contract.id, contract.version))
        table = Table(data, contract, AGENCIES)
        return dg.MaterializeResult(metadata={"table": dg.MetadataValue.path(table.uri), "table_version": version,
                                              "dagster/row_count": result.rows_published if result else 0,
                                              **_agency_metadata(result)})

    return _asset


def integrated_asset(contract: Contract, agency_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(key=dg.AssetKey([*contract_prefix(contract), "integrated"]), deps=agency_keys,
              group_name=contract_slug(contract), kinds={"parquet"}, retry_policy=RETRIES,
              automation_condition=dg.AutomationCondition.eager(),
              description=f"All agencies' published {contract.label} rows, one record per primary key.",
              metadata={"dagster/column_schema": _column_schema(contract)})
    def _asset(accord: AccordResource) -> dg.MaterializeResult:
        result = integrate(contract, accord.data, load_key())
        return dg.MaterializeResult(metadata={
            "dagster/row_count": result.rows, "records_before_dedup": result.records_before_dedup,
            "merged_records": result.merged_records, "rows_by_agency": dg.MetadataValue.json(result.rows_by_agency),
            "table": dg.MetadataValue.path(result.uri), "table_version": result.version,
        })

    return _asset


def summary_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(key=dg.AssetKey(["run_summary"]), deps=upstream, group_name="reports",
              automation_condition=dg.AutomationCondition.eager(),
              description="reports/run-summary.json: rows in / published / quarantined per agency and contract.")
    def _asset(context: dg.AssetExecutionContext, accord: AccordResource) -> dg.MaterializeResult:
        path = write_run_summary(accord.data, run_id=context.run_id)
        return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(path)})

    return _asset
