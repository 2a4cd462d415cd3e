"""Training the model of a contract's identity declaration: ``accord identity train <contract>``.

The model is estimated on the published population (the clear values in the private zone) or on records an
operator supplies (``--records``: Parquet files in the contract's columns with ``_agency``), saved beside the
contract, and its charts (match weights, m and u probabilities) written as self-contained HTML pages under
``reports/identity/<contract>/v<major>/`` (Splink's charts with their scripts inline: no network needed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from accord.contracts.identity import IdentityDeclaration
from accord.contracts.model import Contract
from accord.identity.model import TrainedModel, blocking_sql, declaration_of, save_model, settings
from accord.identity.normalise import rule_columns
from accord.settings import REPORTS, DataDirs

if TYPE_CHECKING:
    from splink import Linker

MIN_RECORDS = 1000  # below this, EM has too few pairs to estimate anything


@dataclass(frozen=True)
class Training:
    model: TrainedModel
    path: Path
    charts: dict[str, str]  # name -> storage URI


def train(contract: Contract, population: pl.DataFrame, db_api: Any, *,
          max_pairs: float = 2e6, seed: int = 1) -> tuple[TrainedModel, Linker]:
    """Estimate the model on ``population`` (normalised records, ``RECORD`` and ``AGENCY`` columns):
    the share of matching pairs from the deterministic rules, u by random sampling, m by expectation
    maximisation over two blocking passes (so every comparison is estimated in one of them)."""
    from splink import Linker, block_on

    declaration = declaration_of(contract)
    linker = Linker(db_api.register(population.to_arrow()), settings(declaration))
    deterministic = [" and ".join(f"l.{c} = r.{c}" for c in rule_columns(declaration, r.fields))
                     for r in declaration.rules] or blocking_sql(declaration)[:1]
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    passes = _em_passes(declaration)
    for columns in passes:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*columns))
    model = TrainedModel(contract.id, contract.major, declaration.sha256,
                         dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), population.height,
                         linker.misc.save_model_to_json())
    return model, linker


def _em_passes(declaration: IdentityDeclaration) -> list[list[str]]:
    """Blocking for the EM passes: the first blocking list, then one whose fields the first pass held fixed
    (their comparisons are estimated in the second pass)."""
    blocks = [rule_columns(declaration, b) for b in declaration.blocking]
    first = blocks[0]
    second = next((b for b in blocks[1:] if not set(b) & set(first)), None)
    return [first, second] if second else [first]


def charts_key(contract: Contract, name: str) -> str:
    return f"{REPORTS}/identity/{contract.id}/v{contract.major}/{name}.html"


def train_and_save(contract: Contract, population: pl.DataFrame, dirs: DataDirs, db_api: Any) -> Training:
    """Train, save the model file beside the contract, write the charts; refuses a population too small to
    estimate from."""
    from accord.errors import AccordError

    if population.height < MIN_RECORDS:
        raise AccordError(f"{population.height} record(s) to train on: at least {MIN_RECORDS} are needed "
                          f"(give --records with a larger population)")
    model, linker = train(contract, population, db_api)
    path = save_model(contract, model)
    charts = {
        "match_weights": linker.visualisations.match_weights_chart().to_html(inline=True),
        "m_u_parameters": linker.visualisations.m_u_parameters_chart().to_html(inline=True),
    }
    return Training(model, path, {name: dirs.storage.write_text(charts_key(contract, name), html)
                                  for name, html in charts.items()})
