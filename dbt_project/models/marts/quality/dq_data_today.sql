-- "Now" for the quality rules: the data's own today, the latest business date delivered in any feed
-- (a refused delivery included: it proves the upstream reached that day). A back-dated province, or a
-- rebuild of old files, is judged as of its own last day, never the wall clock.
with

files as (
    select * from {{ ref('stg_ingest__files') }}
),

final as (
    select
        max(business_date) as data_today,
        cast(max(business_date) as timestamp) + interval '23:59:59' as data_today_end
    from files
)

select * from final
