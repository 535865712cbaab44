-- For every data month, the register in force at period end: the snapshot with the latest file date on
-- or before the month's last day (indicators.md Clarification 10). Months before the first snapshot
-- have no row.
with

months as (
    select * from {{ ref('int_months_spanned') }}
),

products as (
    select snapshot_date from {{ ref('stg_register__products') }}
),

institutions as (
    select snapshot_date from {{ ref('stg_register__institutions') }}
),

snapshot_dates as (
    select distinct snapshot_date from products
    union
    select distinct snapshot_date from institutions
),

final as (
    select
        m.period,
        m.month_last_day,
        max(s.snapshot_date) as snapshot_date
    from months as m
    inner join snapshot_dates as s on s.snapshot_date <= m.month_last_day
    group by m.period, m.month_last_day
)

select * from final
