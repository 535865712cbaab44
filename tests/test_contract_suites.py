"""The Great Expectations suites derived from the contracts pass on good rows and catch bad ones."""

import pandas as pd

from pipelines.lib import ge_suites
from loancode.contracts import load_all


def applications_frame(**overrides):
    row = {"event_id": "E1", "application_id": "A1", "event_type": "submitted",
           "event_time": pd.Timestamp("2025-03-03 09:00:00"), "uscc": "911400007011347302",
           "enterprise_name": "晋商", "county_code": "140105", "industry_code": "F52",
           "qr_code_id": "QR-140105-BANK-1", "product_id": None, "institution_id": None, "amount_yuan": 100.0,
           "term_months": 12, "annual_rate_pct": None, "guarantee_type": None, "guarantor_id": None,
           "first_loan": None, "reason": None}
    row.update(overrides)
    return pd.DataFrame([row])


def test_suite_passes_on_a_good_partition():
    outcome = ge_suites.validate(load_all()["applications"], applications_frame())
    assert outcome.success and outcome.evaluated > 20


def test_suite_catches_what_the_loader_should_have_refused():
    outcome = ge_suites.validate(load_all()["applications"], applications_frame(county_code="999999",
                                                                                  amount_yuan=-1.0))
    assert not outcome.success
    assert any("county_code" in f for f in outcome.failed) and any("amount_yuan" in f for f in outcome.failed)


def test_every_contract_yields_a_suite():
    for contract in load_all().values():
        assert ge_suites.expectations(contract), contract.name
