"""Great Expectations suites built from the data contracts, run on every loaded partition.

The loaders already enforce the row rules; the suite is the independent second look at what they let
through: if a loaded partition breaks its own contract, the loader has a defect and downstream must stop.
GE's SQL path does not work against DuckDB here, so batches are read from DuckDB into pandas.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

import pandas as pd

from loancode.contracts import Contract
from loancode.divisions import all_codes, county_codes

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

DOMAINS = {"county": county_codes, "division": all_codes}


@dataclass(frozen=True)
class SuiteOutcome:
    success: bool
    evaluated: int
    failed: list[str]
    rows: int


def _gx():
    """Great Expectations, imported on first use: it costs seconds, and every process that loads the
    Dagster definitions (webserver, daemon, sensor ticks) would otherwise pay it."""
    import great_expectations

    return great_expectations


def expectations(contract: Contract) -> list:
    """The contract's rules as GE expectations over a loaded (typed, PII-masked) raw table."""
    E = _gx().expectations
    out: list = []
    for c in contract.columns:
        if c.pii:
            continue  # only masked forms reach the raw layer
        if c.required:
            out.append(E.ExpectColumnValuesToNotBeNull(column=c.name))
        for event_type in c.required_on:
            out.append(E.ExpectColumnValuesToNotBeNull(
                column=c.name, row_condition=f'event_type=="{event_type}"', condition_parser="pandas"))
        for other, value in c.required_when:
            out.append(E.ExpectColumnValuesToNotBeNull(
                column=c.name, row_condition=f'{other}=="{value}"', condition_parser="pandas"))
        if c.check == "enum" and c.valid_values:
            out.append(E.ExpectColumnValuesToBeInSet(column=c.name, value_set=list(c.valid_values)))
        if c.check == "pattern" and c.pattern:
            out.append(E.ExpectColumnValuesToMatchRegex(column=c.name, regex=c.pattern))
        if c.check == "uscc":
            out.append(E.ExpectColumnValueLengthsToEqual(column=c.name, value=18))
        if c.check in DOMAINS:
            out.append(E.ExpectColumnValuesToBeInSet(column=c.name, value_set=DOMAINS[c.check]()))
        if c.check == "amount":
            out.append(E.ExpectColumnValuesToBeBetween(column=c.name, min_value=0))
    return out


def columns(contract: Contract) -> list[str]:
    """The columns the suite reads (those its expectations name and their conditions'): a batch of a million
    rows is read into pandas with these only, not every column of the raw table."""
    named = {e.column for e in expectations(contract)}
    conditions = {other for c in contract.columns for other, _ in c.required_when}
    if any(c.required_on for c in contract.columns if not c.pii):
        conditions.add("event_type")
    return [c.name for c in contract.columns if c.name in named | conditions]


@cache
def _context():
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = _gx().get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


@cache
def _batch_definition_and_suite(contract: Contract):
    context = _context()
    source = context.data_sources.add_pandas(f"raw_{contract.name}")
    batch_definition = source.add_dataframe_asset(contract.name).add_batch_definition_whole_dataframe("partitions")
    suite = context.suites.add(_gx().ExpectationSuite(name=f"{contract.name}_contract"))
    for expectation in expectations(contract):
        suite.add_expectation(expectation)
    return batch_definition, suite


def validate(contract: Contract, frame: pd.DataFrame) -> SuiteOutcome:
    batch_definition, suite = _batch_definition_and_suite(contract)
    result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(suite)
    failed = [
        f"{r.expectation_config.type}({r.expectation_config.kwargs.get('column')}): "
        f"{r.result.get('unexpected_count')}"
        for r in result.results if not r.success
    ]
    return SuiteOutcome(bool(result.success), len(result.results), failed, len(frame))
