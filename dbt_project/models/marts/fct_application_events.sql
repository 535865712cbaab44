-- Every de-duplicated event of a life-cycle-valid application, with the application's attributes.
-- Incremental (docs/performance.md, daily increment): only the touched applications' events are written again.
-- depends_on: {{ ref('int_applications_touched') }}
with

events as (
    select * from {{ ref('int_application_events_validated') }}
    where {{ only_touched_applications('application_id') }}
),

final as (
    select * from events
)

select * from final
