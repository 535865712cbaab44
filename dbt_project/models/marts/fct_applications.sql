-- One row per life-cycle-valid financing demand (融资需求) with its milestones.
with

applications as (
    select * from {{ ref('int_applications_summarised') }}
),

final as (
    select * from applications
)

select * from final
