-- One row per life-cycle-valid financing demand (融资需求) with its milestones.
-- Incremental (docs/performance.md, daily increment): only the touched applications are written again.
-- depends_on: {{ ref('int_applications_touched') }}
with

applications as (
    select * from {{ ref('int_applications_summarised') }}
    where {{ only_touched_applications('application_id') }}
),

final as (
    select * from applications
)

select * from final
