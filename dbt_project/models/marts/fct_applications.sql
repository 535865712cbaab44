-- One row per life-cycle-valid financing demand (融资需求) with its milestones.
select * from {{ ref('int_applications_summarised') }}
