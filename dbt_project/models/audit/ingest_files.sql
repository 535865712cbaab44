-- audit.ingest_files (feeds.md "What the warehouse tells about every delivery"): one row per file per
-- load from raw.ingest_log; for the current application deliveries, the rows of life-cycle-quarantined
-- applications move from loaded to quarantined. rows_in = rows_loaded + rows_quarantined always.
with

log as (
    select * from {{ ref('stg_ingest__files') }}
),

lifecycle_quarantine as (
    select * from {{ ref('int_application_rows_quarantined') }}
),

lifecycle_rows as (
    select file_name, count(*) as rows_quarantined
    from lifecycle_quarantine
    group by file_name
),

moved as (
    select
        l.feed,
        l.file_name,
        l.business_date,
        l.sha256,
        l.encoding,
        l.rows_in as rows_in_checked,
        l.rows_loaded - coalesce(q.rows_quarantined, 0) as rows_loaded,
        l.rows_quarantined + coalesce(q.rows_quarantined, 0) as rows_quarantined,
        case
            when l.status = 'rejected' then 'rejected'
            when l.rows_quarantined + coalesce(q.rows_quarantined, 0) > 0 then 'loaded_with_quarantine'
            else l.status
        end as status,
        l.message,
        l.loaded_at
    from log as l
    left join lifecycle_rows as q
        on l.feed = 'applications'
        and l.is_current
        and l.status <> 'rejected'
        and q.file_name = l.file_name
),

final as (
    select
        feed,
        file_name,
        business_date,
        sha256,
        encoding,
        cast(rows_in_checked as bigint) as rows_in,
        cast(rows_loaded as bigint) as rows_loaded,
        cast(rows_quarantined as bigint) as rows_quarantined,
        status,
        message,
        loaded_at
    from moved
)

select * from final
