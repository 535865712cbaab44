-- One row per life-cycle-valid application: the attributes of its submitted row (indicators.md
-- Clarification 4), its first acceptance, decision, approval and disbursement, and its response limit.
with

checked as (
    select application_id from {{ ref('int_applications_checked') }} where is_valid
),

events as (
    select e.*
    from {{ ref('stg_applications__events') }} as e
    inner join checked as c on c.application_id = e.application_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by application_id, event_type
            order by event_time, business_date, row_number, event_id
        ) as type_rank,
        row_number() over (
            partition by application_id, event_type in ('approved', 'rejected')
            order by event_time, business_date, row_number, event_id
        ) as decision_rank
    from events
),

submitted as (
    select * from ranked where event_type = 'submitted'
),

firsts as (
    select
        application_id,
        max(event_time) filter (where event_type = 'accepted' and type_rank = 1) as first_accepted_at,
        max(institution_id) filter (where event_type = 'accepted' and type_rank = 1) as institution_id,
        max(event_time) filter (where event_type = 'rejected' and type_rank = 1) as first_rejected_at,
        max(event_time) filter (where event_type = 'approved' and type_rank = 1) as first_approved_at,
        max(amount_yuan) filter (where event_type = 'approved' and type_rank = 1) as first_approved_amount_yuan,
        max(event_time) filter (where event_type in ('approved', 'rejected') and decision_rank = 1)
            as first_decision_at,
        max(event_type) filter (where event_type in ('approved', 'rejected') and decision_rank = 1)
            as first_decision,
        max(event_time) filter (where event_type = 'disbursed' and type_rank = 1) as first_disbursed_at,
        max(event_time) filter (where event_type = 'withdrawn' and type_rank = 1) as first_withdrawn_at,
        min(event_time) filter (where event_type in ('accepted', 'rejected', 'withdrawn')) as first_answer_at,
        count(*) filter (where event_type = 'disbursed') as disbursement_count,
        sum(amount_yuan) filter (where event_type = 'disbursed') as disbursed_total_yuan
    from ranked
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
        s.application_id,
        s.event_id as submitted_event_id,
        s.event_time as submitted_at,
        cast(s.event_time as date) as submitted_date,
        strftime(s.event_time, '%Y-%m') as submitted_period,
        s.uscc,
        s.enterprise_name,
        s.amount_yuan,
        s.term_months,
        s.qr_code_id,
        '{{ var("province_code") }}' as province_code,
        s.county_code,
        ci.city_code,
        case
            when left(s.uscc, 2) = '91' then '企业'
            when left(s.uscc, 2) = '92' then '个体工商户'
            else '其他'
        end as entity_type,
        s.industry_code,
        se.section as industry_section,
        s.product_id,
        case when s.product_id is null then '一般需求' else p.product_category end as product_category,
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
        date_diff('second', s.event_time, f.first_accepted_at) as response_seconds,
        date_diff('second', s.event_time, f.first_accepted_at) / 3600.0 as response_hours,
        f.first_accepted_at <= cast(cal.response_deadline_date as timestamp) + interval '23:59:59'
            as is_accepted_on_time,
        coalesce(
            date_diff('second', s.event_time, f.first_disbursed_at) <= 720 * 3600, false
        ) as is_disbursed_within_30_days
    from submitted as s
    inner join firsts as f on f.application_id = s.application_id
    left join cities as ci on ci.city_code = left(s.county_code, 4) || '00'
    left join sections as se on se.section = left(s.industry_code, 1)
    left join products as p on p.product_id = s.product_id
    left join calendar as cal on cal.date_day = cast(s.event_time as date)
)

select * from final
