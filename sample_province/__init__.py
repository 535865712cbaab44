"""Sample-province generator: writes a landing zone in exactly the formats of `feeds.md`.

    python -m sample_province --out data/landing --seed 42 --applications 20000 \
        --start 2024-02 --end 2026-10 [--bad-rows 40] [--clean] [--encodings mixed|utf8]

Writes `<out>/<feed>/<feed>_YYYYMMDD.<ext>` for every day of the range (applications and
authorizations: a header-only file on a quiet day; credit_reports: no file on a day without reports,
since a 0-byte file is a bad file by contract) and a register snapshot on the 1st of each month,
after removing files of that naming pattern left by an earlier run. Same arguments, same bytes.

The province is simulated whole but kept as numbers; the text of the files is made and written a month
at a time, so a 10M-event province (`--applications 2750000`) is written within ~3 GB (docs/performance.md).

`<out>/_manifest.json` records the parameters, row counts, the CSV files not in plain UTF-8, and every
planted record: `{"feed", "file_name", "row_number" (1-based data row; for the register the Excel row
minus 1), "record_key" (event_id / report_id / authorization_id / product_id), "rule", "kind"}`, plus
`application_id` for application rows and `sheet` for the register.

- kind `bad_row` (`--bad-rows N`, exactly N rows): rows the loaders must quarantine with that rule
  (uscc_checksum, county_unknown, amount_negative, amount_format, enum_event_type,
  timestamp_unparseable, required_missing, qr_code_format, json_invalid, enum_scope; and
  lifecycle_order / disbursed_exceeds_approved, where every row of the application is listed).
- kind `compliance`: loadable rows that break a rule of substance: credit reports queried without a
  valid authorization (authorization_unknown, authorization_revoked,
  authorization_institution_mismatch; K02) and listed products breaking the listing rules, one entry
  per snapshot in which they break it (product_category_not_allowed, service_target_individual_only,
  agreement_expired, institution_not_onboarded; S03).

`--clean` plants nothing; every other row is the same as without it (independent random streams).
"""
