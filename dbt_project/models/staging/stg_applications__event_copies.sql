-- The copies of every event_id delivered more than once, ranked (feeds.md Clarification 4: the copy
-- from the earliest partition wins, then the first row in the file). Only the few repeated ids and
-- their provenance: stg_applications__events, a view, drops the losing copies by joining this small
-- table, so no model has to write the wide event rows once more before reading the few columns it needs.
with

source as (
    select * from {{ source('raw', 'applications') }}
),

repeated as (
    select event_id
    from source
    group by event_id
    having count(*) > 1
),

final as (
    select
        cast(s.event_id as varchar) as event_id,
        cast(s._business_date as date) as business_date,
        cast(s._row_number as integer) as row_number,
        cast(s._file_name as varchar) as file_name,
        count(*) over (partition by s.event_id) as copies_delivered,
        row_number() over (
            partition by s.event_id order by s._business_date, s._row_number, s._file_name
        ) as copy_rank
    from source as s
    inner join repeated as r on r.event_id is not distinct from s.event_id
)

select * from final
