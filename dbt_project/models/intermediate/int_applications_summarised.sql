-- One row per life-cycle-valid application: the attributes of its submitted row (indicators.md
-- Clarification 4), its first acceptance, decision, approval and disbursement, and its response limit.
-- Incremental (docs/performance.md, daily increment): only the touched applications are computed again.
-- depends_on: {{ ref('int_applications_touched') }}
with

-- The milestones of every valid application, from the life-cycle check's one pass over the events.
checked as (
    select * from {{ ref('int_applications_checked') }}
    where is_valid and {{ only_touched_applications('application_id') }}
),

-- A valid application has exactly one submitted row (the check requires it): its attributes are that
-- row's, NULLs included, joined rather than carried through the aggregate pass as ten first(...) states.
submitted as (
    select
        application_id,
        event_id,
        uscc,
        enterprise_name,
        amount_yuan,
        term_months,
        qr_code_id,
        county_code,
        industry_code,
        product_id
    from {{ ref('stg_applications__events') }}
    where event_type = 'submitted' and {{ only_touched_applications('application_id') }}
),

sections as (
    select section from {{ ref('industry_sections') }}
),

products as (
    select * from {{ ref('int_products_resolved') }}
),

calendar as (
    select date_day, response_deadline_date from {{ ref('int_calendar_days_resolved') }}
),

firsts as (
    select
        c.application_id,
        s.event_id as submitted_event_id,
        c.submitted_at,
        s.uscc as submitted_uscc,
        s.enterprise_name as submitted_enterprise_name,
        s.amount_yuan as submitted_amount_yuan,
        s.term_months as submitted_term_months,
        s.qr_code_id as submitted_qr_code_id,
        s.county_code as submitted_county_code,
        s.industry_code as submitted_industry_code,
        s.product_id as submitted_product_id,
        c.first_accepted_at,
        c.first_accepted_institution_id as institution_id,
        c.first_rejected_at,
        c.first_approved_at,
        c.first_approved_amount_yuan,
        -- least() skips NULLs: the earliest of the decisions / answers that happened
        least(c.first_approved_at, c.first_rejected_at) as first_decision_at,
        c.first_decision,
        c.first_disbursed_at,
        c.first_withdrawn_at,
        least(c.first_accepted_at, c.first_rejected_at, c.first_withdrawn_at) as first_answer_at,
        c.disbursed_count as disbursement_count,
        c.disbursed_total_yuan
    from checked as c
    inner join submitted as s on s.application_id = c.application_id
),

final as (
    select
        f.application_id,
        f.submitted_event_id,
        f.submitted_at,
        cast(f.submitted_at as date) as submitted_date,
        strftime(f.submitted_at, '%Y-%m') as submitted_period,
        f.submitted_uscc as uscc,
        f.submitted_enterprise_name as enterprise_name,
        f.submitted_amount_yuan as amount_yuan,
        f.submitted_term_months as term_months,
        f.submitted_qr_code_id as qr_code_id,
        '{{ var("province_code") }}' as province_code,
        f.submitted_county_code as county_code,
        {{ city_of('f.submitted_county_code') }} as city_code,
        case
            when left(f.submitted_uscc, 2) = '91' then '企业'
            when left(f.submitted_uscc, 2) = '92' then '个体工商户'
            else '其他'
        end as entity_type,
        f.submitted_industry_code as industry_code,
        se.section as industry_section,
        f.submitted_product_id as product_id,
        case when f.submitted_product_id is null then '一般需求' else p.product_category end as product_category,
        p.product_institution_id,
        f.institution_id,
        f.first_accepted_at,
        f.first_rejected_at,
        f.first_decision_at,
        f.first_decision,
        f.first_approved_at,
        f.first_approved_amount_yuan,
        f.first_disbursed_at,
        f.first_withdrawn_at,
        f.first_answer_at,
        f.disbursement_count,
        f.disbursed_total_yuan,
        cal.response_deadline_date,
        cast(cal.response_deadline_date as timestamp) + interval '23:59:59' as response_deadline_at,
        -- whole seconds as integers, so that sums and means do not depend on the order of addition
        date_diff('second', f.submitted_at, f.first_accepted_at) as response_seconds,
        date_diff('second', f.submitted_at, f.first_accepted_at) / 3600.0 as response_hours,
        f.first_accepted_at <= cast(cal.response_deadline_date as timestamp) + interval '23:59:59'
            as is_accepted_on_time,
        coalesce(
            date_diff('second', f.submitted_at, f.first_disbursed_at) <= 720 * 3600, false
        ) as is_disbursed_within_30_days
    from firsts as f
    left join sections as se on se.section = left(f.submitted_industry_code, 1)
    left join products as p on p.product_id = f.submitted_product_id
    left join calendar as cal on cal.date_day = cast(f.submitted_at as date)
)

select * from final
