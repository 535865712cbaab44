-- One row per life-cycle-valid application: the attributes of its submitted row (indicators.md
-- Clarification 4), its first acceptance, decision, approval and disbursement, and its response limit.
with

checked as (
    select application_id from {{ ref('int_applications_checked') }} where is_valid
),

-- One pass over the events of every application (the join with `checked` below keeps the valid ones).
-- A valid application has exactly one submitted row: first(...) filter (submitted) is that row's value,
-- NULL included. "First" of a type = first in (event_time, business_date, row_number, event_id) order,
-- NULLs last as in ORDER BY: its event_time is min(event_time); its other columns come from
-- arg_min_null over that key (a struct compares field by field, NULL fields last), the row a
-- row_number() window would pick, without sorting the events.
firsts as (
    select
        application_id,
        first(event_id) filter (where event_type = 'submitted') as submitted_event_id,
        first(event_time) filter (where event_type = 'submitted') as submitted_at,
        first(uscc) filter (where event_type = 'submitted') as submitted_uscc,
        first(enterprise_name) filter (where event_type = 'submitted') as submitted_enterprise_name,
        first(amount_yuan) filter (where event_type = 'submitted') as submitted_amount_yuan,
        first(term_months) filter (where event_type = 'submitted') as submitted_term_months,
        first(qr_code_id) filter (where event_type = 'submitted') as submitted_qr_code_id,
        first(county_code) filter (where event_type = 'submitted') as submitted_county_code,
        first(industry_code) filter (where event_type = 'submitted') as submitted_industry_code,
        first(product_id) filter (where event_type = 'submitted') as submitted_product_id,
        min(event_time) filter (where event_type = 'accepted') as first_accepted_at,
        arg_min_null(institution_id, (event_time, business_date, row_number, event_id))
            filter (where event_type = 'accepted') as institution_id,
        min(event_time) filter (where event_type = 'rejected') as first_rejected_at,
        min(event_time) filter (where event_type = 'approved') as first_approved_at,
        arg_min_null(amount_yuan, (event_time, business_date, row_number, event_id))
            filter (where event_type = 'approved') as first_approved_amount_yuan,
        min(event_time) filter (where event_type in ('approved', 'rejected')) as first_decision_at,
        arg_min_null(event_type, (event_time, business_date, row_number, event_id))
            filter (where event_type in ('approved', 'rejected')) as first_decision,
        min(event_time) filter (where event_type = 'disbursed') as first_disbursed_at,
        min(event_time) filter (where event_type = 'withdrawn') as first_withdrawn_at,
        min(event_time) filter (where event_type in ('accepted', 'rejected', 'withdrawn')) as first_answer_at,
        count(*) filter (where event_type = 'disbursed') as disbursement_count,
        sum(amount_yuan) filter (where event_type = 'disbursed') as disbursed_total_yuan
    from {{ ref('stg_applications__events') }}
    group by application_id
),

cities as (
    select city_code from {{ ref('city_seats') }}
),

sections as (
    select section from {{ ref('industry_sections') }}
),

products as (
    select * from {{ ref('int_products_resolved') }}
),

calendar as (
    select date_day, response_deadline_date from {{ ref('int_working_days') }}
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
        ci.city_code,
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
    inner join checked as c on c.application_id = f.application_id
    left join cities as ci on ci.city_code = left(f.submitted_county_code, 4) || '00'
    left join sections as se on se.section = left(f.submitted_industry_code, 1)
    left join products as p on p.product_id = f.submitted_product_id
    left join calendar as cal on cal.date_day = cast(f.submitted_at as date)
)

select * from final
