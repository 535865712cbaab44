"""The raw layer of docs/warehouse.md as DDL, for tests that build dbt on a hand-made data set.

`create_raw_tables(con)` creates every raw table (empty) with exactly the documented columns;
`insert_rows(con, table, rows)` inserts dicts (missing columns are NULL, provenance included).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

PROVENANCE = [("_file_name", "VARCHAR"), ("_business_date", "DATE"), ("_row_number", "INTEGER")]

RAW_TABLES: dict[str, list[tuple[str, str]]] = {
    "applications": [
        ("event_id", "VARCHAR"), ("application_id", "VARCHAR"), ("event_type", "VARCHAR"),
        ("event_time", "TIMESTAMP"), ("uscc", "VARCHAR"), ("enterprise_name", "VARCHAR"),
        ("legal_rep_name_masked", "VARCHAR"), ("contact_phone_masked", "VARCHAR"),
        ("contact_phone_hash", "VARCHAR"), ("county_code", "VARCHAR"), ("industry_code", "VARCHAR"),
        ("qr_code_id", "VARCHAR"), ("product_id", "VARCHAR"), ("institution_id", "VARCHAR"),
        ("amount_yuan", "DECIMAL(18,2)"), ("term_months", "INTEGER"), ("annual_rate_pct", "DECIMAL(6,3)"),
        ("guarantee_type", "VARCHAR"), ("guarantor_id", "VARCHAR"), ("first_loan", "VARCHAR"),
        ("reason", "VARCHAR"),
    ] + PROVENANCE,
    "register_institutions": [
        ("snapshot_date", "DATE"), ("institution_id", "VARCHAR"), ("institution_name", "VARCHAR"),
        ("institution_type", "VARCHAR"), ("parent_institution_id", "VARCHAR"), ("division_code", "VARCHAR"),
        ("onboarding_status", "VARCHAR"), ("approved_date", "DATE"), ("agreement_signed_date", "DATE"),
        ("agreement_expiry_date", "DATE"),
    ] + PROVENANCE,
    "register_products": [
        ("snapshot_date", "DATE"), ("product_id", "VARCHAR"), ("institution_id", "VARCHAR"),
        ("product_name", "VARCHAR"), ("product_category", "VARCHAR"), ("service_targets", "VARCHAR"),
        ("min_amount_wan", "DECIMAL(18,2)"), ("max_amount_wan", "DECIMAL(18,2)"),
        ("max_term_months", "INTEGER"), ("rate_floor_pct", "DECIMAL(6,3)"), ("rate_cap_pct", "DECIMAL(6,3)"),
        ("guarantee_type", "VARCHAR"), ("applicable_regions", "VARCHAR"),
        ("min_years_in_business", "DECIMAL(6,2)"), ("tax_credit_min_grade", "VARCHAR"),
        ("listing_status", "VARCHAR"), ("listed_date", "DATE"), ("delisted_date", "DATE"),
    ] + PROVENANCE,
    "credit_reports": [
        ("report_id", "VARCHAR"), ("uscc", "VARCHAR"), ("queried_at", "TIMESTAMP"),
        ("institution_id", "VARCHAR"), ("authorization_id", "VARCHAR"), ("subject_name", "VARCHAR"),
        ("subject_established", "DATE"), ("subject_registered_capital_wan", "DOUBLE"),
        ("subject_industry_code", "VARCHAR"), ("subject_county_code", "VARCHAR"),
        ("subject_employees", "INTEGER"), ("subject_revenue_wan", "DOUBLE"), ("subject_assets_wan", "DOUBLE"),
        ("tax_credit_grade", "VARCHAR"), ("tax_paid_last_year_wan", "DOUBLE"),
        ("social_insured_count", "INTEGER"), ("judicial_dishonest_executee", "BOOLEAN"),
        ("judicial_enforcement_cases", "INTEGER"), ("admin_penalties_3y", "INTEGER"),
        ("loans_outstanding_wan", "DOUBLE"), ("loans_overdue_24m", "INTEGER"),
        ("loans_max_overdue_days", "INTEGER"), ("score_value", "INTEGER"), ("score_grade", "VARCHAR"),
    ] + PROVENANCE,
    "authorizations": [
        ("authorization_id", "VARCHAR"), ("uscc", "VARCHAR"), ("institution_id", "VARCHAR"),
        ("scope", "VARCHAR"), ("granted_at", "TIMESTAMP"), ("expires_at", "TIMESTAMP"),
        ("revoked_at", "TIMESTAMP"),
    ] + PROVENANCE,
    "ingest_log": [
        ("feed", "VARCHAR"), ("file_name", "VARCHAR"), ("business_date", "DATE"), ("sha256", "VARCHAR"),
        ("encoding", "VARCHAR"), ("rows_in", "INTEGER"), ("rows_loaded", "INTEGER"),
        ("rows_quarantined", "INTEGER"), ("status", "VARCHAR"), ("message", "VARCHAR"),
        ("loaded_at", "TIMESTAMP"), ("is_current", "BOOLEAN"),
    ],
    "row_quarantine": [
        ("feed", "VARCHAR"), ("file_name", "VARCHAR"), ("business_date", "DATE"), ("row_number", "INTEGER"),
        ("record_key", "VARCHAR"), ("rule", "VARCHAR"), ("detail", "VARCHAR"), ("raw_record", "VARCHAR"),
    ],
}


def create_raw_tables(con: Any) -> None:
    """Create schema `raw` and every raw table, empty (a DuckDB connection)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for table, columns in RAW_TABLES.items():
        cols = ", ".join(f'"{name}" {dtype}' for name, dtype in columns)
        con.execute(f"CREATE OR REPLACE TABLE raw.{table} ({cols})")


def insert_rows(con: Any, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert dicts into raw.<table>; absent columns are NULL."""
    names = [name for name, _ in RAW_TABLES[table]]
    placeholders = ", ".join("?" for _ in names)
    data = [[row.get(name) for name in names] for row in rows]
    for row in rows:
        unknown = set(row) - set(names)
        if unknown:
            raise KeyError(f"{table}: unknown columns {sorted(unknown)}")
    if data:
        con.executemany(f"INSERT INTO raw.{table} VALUES ({placeholders})", data)
