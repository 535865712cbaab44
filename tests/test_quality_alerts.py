"""Quality and compliance alerts on a generated province: every planted problem raises exactly its
expected alert in marts.dq_alerts, and the clean part of the province raises none."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter, defaultdict

import pytest

from pipelines.defs.quality.checks import RULES, asset_key_of
from tests.quality_province import province

# The generator's rule names (manifest) -> the catalog's rule codes
COMPLIANCE_RULES = {
    "product_category_not_allowed": "product_category_not_allowed",
    "service_target_individual_only": "product_individual_only",
    "institution_not_onboarded": "institution_not_onboarded",
    "agreement_not_signed": "agreement_unsigned",
    "agreement_expired": "agreement_expired",
    "authorization_unknown": "unlawful_credit_queries",
    "authorization_revoked": "unlawful_credit_queries",
    "authorization_institution_mismatch": "unlawful_credit_queries",
}
CITIES = {f"14{n:02d}00" for n in range(1, 12)}


def _date(file_name: str) -> dt.datetime:
    return dt.datetime.strptime(re.search(r"(\d{8})", file_name).group(1), "%Y%m%d")


def expected_alerts(built) -> dict[tuple, dict]:
    """(rule_code, entity_type, entity_key) -> {occurrences, first_seen, last_seen[, city_code]} from the manifest."""
    out: dict[tuple, dict] = {}
    evidence: dict[tuple, list] = defaultdict(list)
    for p in built.manifest["planted"]:
        if p["kind"] == "bad_row":
            evidence[("contract_rows_quarantined", "file_rule", f"{p['file_name']}#{p['rule']}")].append(
                (_date(p["file_name"]), None))
        elif p["feed"] == "register":
            evidence[(COMPLIANCE_RULES[p["rule"]], "product", p["record_key"])].append((_date(p["file_name"]), None))
        elif p["feed"] == "credit_reports":
            lines = (built.landing / "credit_reports" / p["file_name"]).read_text(encoding="utf-8-sig").splitlines()
            report = json.loads(lines[p["row_number"] - 1])
            assert report["report_id"] == p["record_key"]
            queried = dt.datetime.strptime(report["queried_at"], "%Y-%m-%d %H:%M:%S")
            county = (report.get("subject") or {}).get("county_code") or ""
            evidence[(COMPLIANCE_RULES[p["rule"]], "institution_enterprise",
                      f"{report['institution_id']}>{report['uscc']}")].append((queried, county[:4] + "00"))
        else:
            raise AssertionError(f"planted problem without an expected alert: {p}")
    for key, seen in evidence.items():
        times = [t for t, _ in seen]
        out[key] = {"occurrences": len(seen), "first_seen": min(times), "last_seen": max(times)}
        if key[0] == "unlawful_credit_queries":
            out[key]["city_code"] = max(seen)[1] if max(seen)[1] in CITIES else None
    return out


@pytest.fixture(scope="module")
def built():
    return province()


def test_every_planted_problem_raises_exactly_its_alert_and_nothing_else(built):
    expected = expected_alerts(built)
    got = {(r.rule_code, r.entity_type, r.entity_key): r for r in built.alerts.itertuples(index=False)}
    assert set(got) == set(expected), {"missing": set(expected) - set(got), "unexpected": set(got) - set(expected)}
    for key, want in expected.items():
        row = got[key]
        assert row.occurrences == want["occurrences"], key
        assert row.first_seen.to_pydatetime() == want["first_seen"], key
        assert row.last_seen.to_pydatetime() == want["last_seen"], key
        if "city_code" in want:
            assert (row.city_code if isinstance(row.city_code, str) else None) == want["city_code"], key


def test_every_planted_kind_is_covered(built):
    rules = Counter(r for r, _, _ in expected_alerts(built))
    # the province plants every compliance rule the generator knows but agreement_not_signed
    assert {"contract_rows_quarantined", "unlawful_credit_queries", "product_category_not_allowed",
            "product_individual_only", "institution_not_onboarded", "agreement_expired"} <= set(rules)


def test_alert_rows_carry_the_catalog(built):
    alerts = built.alerts
    assert list(alerts.columns) == ["alert_id", "rule_code", "severity", "feed_or_model", "entity_type", "entity_key",
                                    "city_code", "first_seen", "last_seen", "occurrences", "detail"]
    catalog = {r["rule_code"]: r for r in RULES}
    for r in alerts.itertuples(index=False):
        assert r.severity == catalog[r.rule_code]["severity"]
        assert r.feed_or_model == catalog[r.rule_code]["feed_or_model"]
        digest = hashlib.md5(f"{r.rule_code}|{r.entity_type}|{r.entity_key}".encode()).hexdigest()
        assert r.alert_id == digest  # deterministic: the same problem keeps its id across rebuilds
        assert r.detail
    assert set(alerts.loc[alerts["rule_code"] == "unlawful_credit_queries", "severity"]) == {"critical"}
    assert alerts["alert_id"].is_unique


def test_rule_catalog_is_complete():
    codes = [r["rule_code"] for r in RULES]
    assert len(codes) == len(set(codes))
    for r in RULES:
        assert r["severity"] in ("critical", "warning", "info")
        assert r["name_zh"] and r["enforces"] and r["owner_role"]
        assert len(asset_key_of(r["feed_or_model"]).path) == 2
    assert {"file_refused", "feed_stale", "daily_file_missing", "city_demands_silent", "demands_unanswered_overdue",
            "product_institution_missing", "amount_out_of_product_range", "calendar_unknown"} <= set(codes)


def test_rules_are_asset_checks_on_their_assets_and_critical_ones_fail_as_errors(built):
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.defs.quality.checks import dq_rule_checks
    from pipelines.defs.resources import WarehouseResource

    keys = set(defs.resolve_asset_graph().asset_check_keys)
    assert dg.AssetCheckKey(dg.AssetKey(["marts", "fct_credit_queries"]), "unlawful_credit_queries") in keys
    assert dg.AssetCheckKey(dg.AssetKey(["marts", "fct_listed_products"]), "agreement_expired") in keys
    resource = WarehouseResource(published=str(built.published), working=str(built.published) + ".absent",
                                 landing=str(built.landing))
    results = {r.check_name: r for r in dq_rule_checks(warehouse=resource)}
    assert set(results) == {r["rule_code"] for r in RULES}
    unlawful = results["unlawful_credit_queries"]
    assert not unlawful.passed and unlawful.severity == dg.AssetCheckSeverity.ERROR
    assert unlawful.metadata["alerts"].value > 0
    assert not results["agreement_expired"].passed
    assert results["agreement_expired"].severity == dg.AssetCheckSeverity.WARN
    assert results["calendar_unknown"].passed and results["feed_stale"].passed
