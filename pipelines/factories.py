"""Asset factories: one asset per agency x contract (with its checks), one integrated asset per contract,
and the run summary. Each asset body is a call into ``accord``."""


from typing import Any

import dagster as dg

from accord.contracts import Contract
from accord.integrate import integrate
from accord.mapping import Mapping
from accord.process import AgencyResult, run_agency
from accord.publish.pseudonym import load_key
from accord.summary import write_run_summary
from pipelines.resources import AccordResource

ROW_RULES = "row_rules"
DATASET_RULES = "dataset_rules"
ROWS_BALANCED = "rows_balanced"


def contract_prefix(contract: Contract) -> list[str]:
    return [contract.id, f"v{contract.major}"]


def group_name(contract: Contract) -> str:
    return f"{contract.id}_v{contract.major}"


def _column_schema(contract: Contract) -> dg.TableSchema:
    return dg.TableSchema(columns=[
        dg.TableColumn(f.name, f.logical_type, description=f.description,
                       constraints=dg.TableColumnConstraints(nullable=not f.required, unique=f.unique))
        for f in contract.fields
    ])


def _agency_checks(result: AgencyResult, checked: Any) -> list[dg.AssetCheckResult]:
    row_failures = {rule: n for rule, n in result.rule_counts.items()}
    rejected = [f["file"] for f in result.files if f["rejected"]]
    return [
        dg.AssetCheckResult(
            check_name=ROW_RULES,
            passed=result.rows_quarantined == 0 and not rejected,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"rows_checked": result.rows_in, "rows_quarantined": result.rows_quarantined,
                      "failures_by_rule": dg.MetadataValue.json(row_failures),
                      "rejected_files": dg.MetadataValue.json(rejected),
                      "quarantine": dg.MetadataValue.path(result.quarantine_dir)},
        ),
        dg.AssetCheckResult(
            check_name=DATASET_RULES,
            passed=bool(checked.success),
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"expectations": len(checked.outcomes),
                      "failed": dg.MetadataValue.json([f"{o.type}({o.column or ''})" for o in checked.failed]),
                      "data_docs": dg.MetadataValue.path(str(checked.docs_index or ""))},
        ),
        dg.AssetCheckResult(
            check_name=ROWS_BALANCED,
            passed=result.balanced,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"rows_in": result.rows_in, "rows_published": result.rows_published,
                      "rows_quarantined": result.rows_quarantined},
        ),
    ]


def agency_asset(mapping: Mapping) -> dg.AssetsDefinition:
    contract = mapping.contract
    key = dg.AssetKey([*contract_prefix(contract), mapping.agency])

    @dg.asset(
        key=key,
        group_name=group_name(contract),
        description=f"{mapping.agency}'s extracts mapped onto {contract.label} ({mapping.file.name}), "
                    "row-checked (pandera), dataset-checked (Great Expectations) and published.",
        check_specs=[
            dg.AssetCheckSpec(ROW_RULES, asset=key, description="contract row rules (pandera); failing rows "
                              "are quarantined"),
            dg.AssetCheckSpec(DATASET_RULES, asset=key, blocking=True,
                              description="contract dataset rules (Great Expectations); a failure stops the "
                                          "integrated dataset from being refreshed"),
            dg.AssetCheckSpec(ROWS_BALANCED, asset=key, description="rows in = published + quarantined"),
        ],
        kinds={"polars", "parquet"},
        metadata={"contract": contract.label, "mapping": str(mapping.file), "dagster/column_schema":
                  _column_schema(contract)},
    )
    def _asset(context: dg.AssetExecutionContext, accord: AccordResource) -> dg.MaterializeResult:
        result, checked = run_agency(mapping, accord.data)
        context.log.info(f"{mapping.name}: {result.rows_in} in, {result.rows_published} published, "
                         f"{result.rows_quarantined} quarantined")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.rows_published,
                "rows_in": result.rows_in,
                "rows_published": result.rows_published,
                "rows_quarantined": result.rows_quarantined,
                "files": dg.MetadataValue.json(result.files),
                "path": dg.MetadataValue.path(result.published_dir),
                "contract_version": contract.version,
                "mapping_sha256": mapping.sha256,
            },
            check_results=_agency_checks(result, checked),
        )

    return _asset


def integrated_asset(contract: Contract, agency_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    key = dg.AssetKey([*contract_prefix(contract), "integrated"])

    @dg.asset(key=key, deps=agency_keys, group_name=group_name(contract), kinds={"parquet"},
              description=f"All agencies' published {contract.label} rows in one dataset.",
              metadata={"dagster/column_schema": _column_schema(contract)})
    def _asset(accord: AccordResource) -> dg.MaterializeResult:
        result = integrate(contract, accord.data.published, load_key())
        return dg.MaterializeResult(metadata={
            "dagster/row_count": result.rows,
            "records_before_dedup": result.records_before_dedup,
            "merged_records": result.merged_records,
            "rows_by_agency": dg.MetadataValue.json(result.rows_by_agency),
            "path": dg.MetadataValue.path(str(result.file)),
        })

    return _asset


def summary_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(key=dg.AssetKey(["run_summary"]), deps=upstream, group_name="reports",
              description="reports/run-summary.json: rows in / published / quarantined per agency and contract.")
    def _asset(context: dg.AssetExecutionContext, accord: AccordResource) -> dg.MaterializeResult:
        path = write_run_summary(accord.data, run_id=context.run_id)
        return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path))})

    return _asset
