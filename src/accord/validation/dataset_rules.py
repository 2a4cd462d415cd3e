"""Dataset rules: a Great Expectations suite compiled from the contract, run on an agency's published rows,
with Data Docs written under ``reports/``.

``suite_spec`` is plain data (testable without GX); GX itself is imported only when a suite is run, since
importing it takes seconds.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from accord.contracts.model import Bound, Contract


@dataclass(frozen=True)
class ExpectationSpec:
    type: str  # GX expectation class name
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class ExpectationOutcome:
    type: str
    column: str | None
    success: bool
    unexpected_count: int | None
    dataset: str = ""


@dataclass(frozen=True)
class DatasetResult:
    success: bool
    outcomes: list[ExpectationOutcome]
    docs_index: Path | None

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @classmethod
    def combine(cls, results: list[DatasetResult]) -> DatasetResult:
        """Several datasets' results as one (successful when all are)."""
        docs = next((r.docs_index for r in reversed(results) if r.docs_index), None)
        return cls(success=all(r.success for r in results), outcomes=[o for r in results for o in r.outcomes],
                   docs_index=docs)


def _gx_bound(value: Bound) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(0))
    return value


def suite_spec(contract: Contract) -> list[ExpectationSpec]:
    """The dataset-level expectations of ``contract``, in a stable order."""
    specs = [ExpectationSpec("ExpectTableColumnsToMatchOrderedList", {"column_list": contract.field_names})]
    if contract.min_rows is not None:
        specs.append(ExpectationSpec("ExpectTableRowCountToBeBetween", {"min_value": contract.min_rows}))
    null_limits = dict(contract.max_null_percent)
    for f in contract.fields:
        if f.required:
            specs.append(ExpectationSpec("ExpectColumnValuesToNotBeNull", {"column": f.name}))
        elif f.name in null_limits:
            mostly = round(1 - null_limits[f.name] / 100, 6)
            specs.append(ExpectationSpec("ExpectColumnValuesToNotBeNull", {"column": f.name, "mostly": mostly}))
        if f.unique:
            specs.append(ExpectationSpec("ExpectColumnValuesToBeUnique", {"column": f.name}))
        if f.enum:
            specs.append(ExpectationSpec("ExpectColumnValuesToBeInSet", {"column": f.name, "value_set": list(f.enum)}))
        if f.pattern:
            specs.append(ExpectationSpec("ExpectColumnValuesToMatchRegex", {"column": f.name, "regex": f.pattern}))
        if f.minimum is not None or f.maximum is not None:
            bounds = {"min_value": None if f.minimum is None else _gx_bound(f.minimum),
                      "max_value": None if f.maximum is None else _gx_bound(f.maximum)}
            specs.append(ExpectationSpec("ExpectColumnValuesToBeBetween", {"column": f.name, **bounds}))
    return specs


def _pandas(frame: pl.DataFrame) -> Any:
    """polars -> pandas with types GX compares well: decimals as float, dates as datetime64."""
    casts = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Decimal):
            casts.append(pl.col(name).cast(pl.Float64))
        elif dtype == pl.Date:
            casts.append(pl.col(name).cast(pl.Datetime("us")))
    return frame.with_columns(casts).to_pandas() if casts else frame.to_pandas()


def _context(docs_dir: Path) -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    config.stores["validation_results_store"] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(docs_dir.parent / "gx_validations")},
    }
    config.data_docs_sites = {
        "accord": {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    }
    return gx.get_context(project_config=config)


def run_dataset_rules(contract: Contract, dataset: str, frame: pl.DataFrame, docs_dir: Path) -> DatasetResult:
    """Run the contract's suite on ``frame`` (contract columns only) and update the Data Docs site."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.checkpoint.actions import UpdateDataDocsAction

    context = _context(docs_dir)
    batch = (context.data_sources.add_pandas("accord").add_dataframe_asset(dataset)
             .add_batch_definition_whole_dataframe("whole"))
    suite = context.suites.add(gx.ExpectationSuite(name=f"{contract.id}.v{contract.major}"))
    for spec in suite_spec(contract):
        suite.add_expectation(getattr(gxe, spec.type)(**spec.kwargs))
    validation = context.validation_definitions.add(gx.ValidationDefinition(data=batch, suite=suite, name=dataset))
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name=dataset, validation_definitions=[validation],
        actions=[UpdateDataDocsAction(name="docs", site_names=["accord"])]))
    result = checkpoint.run(batch_parameters={"dataframe": _pandas(frame.select(contract.field_names))})
    outcomes = []
    for run in result.run_results.values():
        for item in run.results:
            config = item.expectation_config
            outcomes.append(ExpectationOutcome(
                type=config.type, column=config.kwargs.get("column"), success=bool(item.success),
                unexpected_count=item.result.get("unexpected_count"), dataset=dataset))
    index = docs_dir / "index.html"
    return DatasetResult(success=bool(result.success), outcomes=outcomes,
                         docs_index=index if index.exists() else None)
