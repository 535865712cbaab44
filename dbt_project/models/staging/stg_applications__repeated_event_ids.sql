-- The event_ids delivered more than once, each with the provenance of the copy that counts (feeds.md
-- Clarifications 4 and 10: the earliest partition, then the first row in the file). Only the few
-- repeated ids, in a small table: stg_applications__events, a view, drops the other copies by joining
-- it, so the wide event rows are never written once more before each reader takes its few columns.
with

source as (
    select * from {{ source('raw', 'applications') }}
),

provenance as (
    select
        cast(event_id as varchar) as event_id,
        cast(_business_date as date) as business_date,
        cast(_row_number as integer) as row_number,
        cast(_file_name as varchar) as file_name
    from source
),

final as (
    {{ repeated_copies('provenance', ['event_id'], keep='earliest') }}
)

select * from final
