-- The data months (indicators.md Clarification 1) with their calendar status: calendar_known is false
-- when any day of the month falls back to weekends only (a data-quality alert, never a failure).
with

months as (
    select * from {{ ref('int_months_spanned') }}
),

calendar as (
    select * from {{ ref('int_calendar_days_resolved') }}
),

snapshots as (
    select * from {{ ref('int_register_snapshots_selected') }}
),

days as (
    select period, bool_and(calendar_known) as calendar_known, count(*) filter (where is_working_day) as working_days
    from calendar
    group by period
),

final as (
    select
        m.period,
        m.month_start,
        m.month_last_day,
        m.period_end_at,
        m.year_number,
        m.month_number,
        coalesce(d.calendar_known, false) as calendar_known,
        d.working_days,
        s.snapshot_date as register_snapshot_in_force
    from months as m
    left join days as d on d.period = m.period
    left join snapshots as s on s.period = m.period
)

select * from final
