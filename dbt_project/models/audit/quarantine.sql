-- audit.quarantine: the loaders' row-rule quarantine plus one row per raw event row (every delivered
-- copy in the current deliveries) of each application that breaks the life cycle.
with

row_rules as (
    select feed, file_name, row_number, record_key, rule, detail, raw_record
    from {{ ref('stg_ingest__quarantined_rows') }}
),

lifecycle as (
    select feed, file_name, row_number, record_key, rule, detail, raw_record
    from {{ ref('int_application_rows_quarantined') }}
),

unioned as (
    select * from row_rules
    union all
    select * from lifecycle
),

final as (
    select
        cast(feed as varchar) as feed,
        cast(file_name as varchar) as file_name,
        cast(row_number as integer) as row_number,
        cast(record_key as varchar) as record_key,
        cast(rule as varchar) as rule,
        cast(detail as varchar) as detail,
        cast(raw_record as varchar) as raw_record
    from unioned
)

select * from final
