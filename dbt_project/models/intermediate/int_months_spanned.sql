-- The data months (indicators.md Clarification 1): every month from the first to the last month of the
-- loaded (life-cycle-valid) applications' event_time and the credit reports' queried_at. Register and
-- authorization dates do not widen the range. Empty inputs give no months.
with

-- the first and last event_time of each valid application bound its events: the same two bounds as
-- over every event, read from one row per application
valid_applications as (
    select first_event_at, last_event_at
    from {{ ref('int_applications_checked') }}
    where is_valid
),

reports as (
    select queried_at as ts from {{ ref('stg_credit_reports__reports') }}
),

bounds as (
    select
        date_trunc('month', min(ts)) as first_month,
        date_trunc('month', max(ts)) as last_month
    from (
        select first_event_at as ts from valid_applications
        union all select last_event_at from valid_applications
        union all select ts from reports
    )
    where ts is not null
),

months as (
    select cast(m.range as date) as month_start
    from bounds as b,
        range(b.first_month, b.last_month + interval 1 month, interval 1 month) as m
    where b.first_month is not null
),

final as (
    select
        strftime(month_start, '%Y-%m') as period,
        month_start,
        cast(last_day(month_start) as date) as month_last_day,
        cast(last_day(month_start) as timestamp) + interval '23:59:59' as period_end_at,
        year(month_start) as year_number,
        month(month_start) as month_number
    from months
)

select * from final
