-- Whom matching ranks products for, each with its profile (画像) as of its own instant (docs/matching.md):
--   score     every enterprise with a valid demand before the scoring date, as of the scoring date;
--   train     every demand naming a product submitted before the training end, as of its submission;
--   evaluate  every demand naming a product submitted in the held-out window, as of its submission.
-- The profile is its latest lawful credit report before that instant (fields carried forward) and its
-- demand history before it (ASOF joins: nothing dated at or after the instant is read); a demand of
-- train/evaluate adds what it says itself (amount, county, industry). No lawful report: is_thin (冷启动).
-- train/evaluate carry the product the demand named and its grade: 3 drawn, 2 approved, 1 accepted,
-- 0 none of these, with the outcomes known at the cut-off (train) or the scoring date (evaluate).
with

dates as (
    select * from {{ ref('int_match_dates_fixed') }}
),

applications as (
    select
        application_id,
        uscc,
        submitted_at,
        amount_yuan,
        county_code,
        industry_code,
        enterprise_name,
        product_id,
        first_accepted_at,
        first_approved_at,
        first_disbursed_at
    from {{ ref('int_applications_summarised') }}
    where uscc is not null
),

history as (
    select * from {{ ref('int_enterprise_demands_accumulated') }}
),

reports as (
    select * from {{ ref('int_credit_reports_carried') }}
),

sections as (
    select section from {{ ref('industry_sections') }}
),

named as (
    select
        a.*,
        case when a.submitted_at < d.training_end_at then 'train' else 'evaluate' end as kind,
        case when a.submitted_at < d.training_end_at then d.cutoff_as_of else d.scoring_as_of end as horizon
    from applications as a
    cross join dates as d
    where a.product_id is not null
        and (a.submitted_at < d.training_end_at
            or (a.submitted_at >= d.cutoff_as_of and a.submitted_at < d.holdout_end_at))
),

-- At most matching_training_demands the most recent training demands (the training window), and at most
-- matching_holdout_demands held-out ones, a fixed sample by the md5 of the application id: beyond them a
-- larger province adds memory and time to the model, not quality (docs/matching.md, "Training window").
demands as (
    select * from named
    qualify row_number() over (
        partition by kind
        order by
            case when kind = 'train' then epoch_us(submitted_at) end desc,
            case when kind = 'evaluate' then md5(application_id) end,
            application_id desc
    ) <= case kind
        when 'train' then {{ var('matching_training_demands') }}
        else {{ var('matching_holdout_demands') }}
    end
),

queries as (
    select
        'score' as query_kind,
        a.uscc as query_id,
        a.uscc,
        d.scoring_as_of as as_of_at,
        cast(null as varchar) as named_product_id,
        cast(null as integer) as grade,
        cast(null as decimal(18, 2)) as demand_amount_yuan,
        cast(null as varchar) as demand_county_code,
        cast(null as varchar) as demand_industry_code,
        cast(null as varchar) as demand_enterprise_name
    from applications as a
    cross join dates as d
    where a.submitted_at < d.scoring_as_of
    group by a.uscc, d.scoring_as_of
    union all
    select
        kind,
        application_id,
        uscc,
        submitted_at,
        product_id,
        case
            when first_disbursed_at < horizon then 3
            when first_approved_at < horizon then 2
            when first_accepted_at < horizon then 1
            else 0
        end,
        amount_yuan,
        county_code,
        industry_code,
        enterprise_name
    from demands
),

profiled as (
    select
        q.*,
        h.demands as history_demands,
        h.accepted as history_accepted,
        h.approved as history_approved,
        h.rejected as history_rejected,
        h.disbursed as history_disbursed,
        h.typical_amount_yuan as history_amount_yuan,
        h.county_code as history_county_code,
        h.industry_code as history_industry_code,
        h.enterprise_name as history_enterprise_name,
        h.first_demand_at,
        r.report_id,
        r.queried_at as report_queried_at,
        r.enterprise_name as report_enterprise_name,
        r.established_date,
        r.industry_code as report_industry_code,
        r.county_code as report_county_code,
        r.employees,
        r.revenue_wan,
        r.assets_wan,
        r.tax_grade,
        r.tax_rank,
        r.size_class,
        r.size_rank,
        r.dishonest_executee,
        r.enforcement_cases,
        r.penalties_3y,
        r.outstanding_wan,
        r.overdue_24m,
        r.max_overdue_days,
        r.credit_score
    from queries as q
    asof left join history as h on h.uscc = q.uscc and q.as_of_at > h.happened_at
    asof left join reports as r on r.uscc = q.uscc and q.as_of_at > r.queried_at
),

resolved as (
    select
        *,
        coalesce(demand_county_code, history_county_code, report_county_code) as county_code,
        upper(coalesce(demand_industry_code, history_industry_code, report_industry_code)) as industry_code
    from profiled
),

final as (
    select
        p.query_kind,
        p.query_id,
        -- a dense number per query, so that the matching assets carry integers, not strings
        row_number() over (order by p.query_kind, p.query_id) as query_seq,
        p.uscc,
        p.as_of_at,
        cast(p.as_of_at as date) as as_of_date,
        p.named_product_id,
        p.grade,
        coalesce(p.demand_enterprise_name, p.history_enterprise_name, p.report_enterprise_name) as enterprise_name,
        case left(p.uscc, 2) when '91' then '企业' when '92' then '个体工商户' else '其他' end as entity_type,
        p.county_code,
        {{ city_of('p.county_code') }} as city_code,
        p.industry_code,
        se.section as industry_section,
        -- the amount this demand asks, or the median of what the enterprise has asked so far
        cast(coalesce(p.demand_amount_yuan, p.history_amount_yuan) as double) as typical_amount_yuan,
        p.report_id is null as is_thin,
        p.report_id,
        p.report_queried_at,
        date_diff('day', p.report_queried_at, p.as_of_at) as report_age_days,
        date_diff('day', p.established_date, p.as_of_at) / 365.25 as years_in_business,
        p.established_date,
        p.employees,
        p.revenue_wan,
        p.assets_wan,
        p.size_class,
        p.size_rank,
        p.tax_grade,
        p.tax_rank,
        p.dishonest_executee,
        p.enforcement_cases,
        p.penalties_3y,
        p.outstanding_wan,
        p.outstanding_wan / nullif(p.revenue_wan, 0) as leverage,
        p.overdue_24m,
        p.max_overdue_days,
        p.credit_score,
        coalesce(p.history_demands, 0) as past_demands,
        coalesce(p.history_accepted, 0) as past_accepted,
        coalesce(p.history_approved, 0) as past_approved,
        coalesce(p.history_rejected, 0) as past_rejected,
        coalesce(p.history_disbursed, 0) as past_disbursed,
        date_diff('day', p.first_demand_at, p.as_of_at) as platform_days,
        {{ match_soundness('p') }} as rules_soundness
    from resolved as p
    left join sections as se on se.section = left(p.industry_code, 1)
)

select * from final
