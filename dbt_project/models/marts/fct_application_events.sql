-- Every de-duplicated event of a life-cycle-valid application, with the application's attributes.
with

events as (
    select * from {{ ref('int_application_events_validated') }}
),

final as (
    select * from events
)

select * from final
