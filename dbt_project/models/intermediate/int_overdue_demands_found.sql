-- R04's population, defined once (indicators.md Clarification 7): one row per data month × application
-- that is overdue and unanswered at that month's end — submitted by period end, not answered (accepted,
-- rejected, withdrawn) by period end as known from all data loaded now, its deadline day before the
-- month's last day. int_overdue_indicators_computed counts it; rpt_overdue_demands lists it.
with

months as (
    select * from {{ ref('int_months_spanned') }}
),

applications as (
    select * from {{ ref('int_applications_summarised') }}
),

final as (
    select
        m.period,
        m.month_last_day,
        a.*
    from applications as a
    inner join months as m
        on a.response_deadline_date < m.month_last_day
        and a.submitted_at <= m.period_end_at
        and (a.first_answer_at is null or a.first_answer_at > m.period_end_at)
)

select * from final
