-- The enterprise profile (画像) on the scoring date (docs/matching.md): one row per enterprise with a
-- valid demand before it, from its latest lawful credit report and its demand history
-- (int_match_queries_profiled). is_thin: no lawful report (冷启动), the profile comes from its demands.
-- unanswered_demands: its demands still without any answer on the scoring date (what a city office follows up).
with

profiles as (
    select * from {{ ref('int_match_queries_profiled') }} where query_kind = 'score'
),

dates as (
    select scoring_date from {{ ref('int_match_dates_fixed') }}
),

applications as (
    select uscc, submitted_at, first_answer_at from {{ ref('int_applications_summarised') }}
),

counties as (
    select code as county_code, name as county_name from {{ ref('divisions') }} where level = 'county'
),

-- demands submitted before the scoring date that had no answer (accepted, refused or withdrawn) by then
unanswered as (
    select a.uscc, count(*) as unanswered_demands
    from applications as a
    cross join dates as d
    where a.submitted_at < cast(d.scoring_date as timestamp)
        and (a.first_answer_at is null or a.first_answer_at >= cast(d.scoring_date as timestamp))
    group by a.uscc
),

final as (
    select
        p.uscc,
        p.enterprise_name,
        p.entity_type,
        p.county_code,
        c.county_name,
        p.city_code,
        p.industry_code,
        p.industry_section,
        p.is_thin,
        cast(p.report_queried_at as date) as report_date,
        round(p.years_in_business, 1) as years_in_business,
        p.size_class,
        p.tax_grade,
        p.credit_score,
        p.dishonest_executee,
        p.overdue_24m,
        round(p.leverage, 3) as leverage,
        round(p.typical_amount_yuan / 10000, 2) as typical_amount_wan,
        p.past_demands,
        p.past_accepted,
        p.past_approved,
        p.past_disbursed,
        coalesce(u.unanswered_demands, 0) as unanswered_demands,
        d.scoring_date as scored_at
    from profiles as p
    cross join dates as d
    left join counties as c on c.county_code = p.county_code
    left join unanswered as u on u.uscc = p.uscc
)

select * from final order by uscc
