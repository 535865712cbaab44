-- R04, a stock at period end (indicators.md Clarification 7): applications submitted by period end,
-- not answered (accepted, rejected, withdrawn) by period end as known from all data loaded now, whose
-- deadline day is before the month's last day. Institution grain: the product's institution from the
-- latest snapshot listing the product; demands with no (known) product are left out of that grain.
with

months as (
    select * from {{ ref('int_months_spanned') }}
),

applications as (
    select * from {{ ref('int_applications_summarised') }}
),

population as (
    select
        m.period,
        a.province_code,
        a.city_code,
        a.county_code,
        a.product_institution_id as institution_id
    from applications as a
    inner join months as m
        on a.response_deadline_date < m.month_last_day
        and a.submitted_at <= m.period_end_at
        and (a.first_answer_at is null or a.first_answer_at > m.period_end_at)
),

final as (
    {{ rollup_indicators('population', [
        ['R04', 'count(*)'],
    ], ['province', 'city', 'county', 'institution']) }}
)

select * from final
