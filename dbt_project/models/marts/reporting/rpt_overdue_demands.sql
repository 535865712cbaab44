-- The applications behind R04 (超时未响应笔数), one row per data month × application counted at that
-- month's end: int_overdue_demands_found, the population R04 counts, so a city's rows in a month add up to
-- its R04. Masked columns only (the uscc keeps its first 6 and last 4 characters); the application_id
-- lets the office look the demand up on the platform.
with

overdue as (
    select * from {{ ref('int_overdue_demands_found') }}
),

products as (
    select * from {{ ref('int_products_resolved') }}
),

institutions as (
    select institution_id, institution_name from {{ ref('dim_institution') }}
),

counties as (
    select county_code, county_name from {{ ref('dim_county') }}
),

final as (
    select
        a.period,
        a.application_id,
        a.city_code,
        a.county_code,
        co.county_name,
        a.submitted_at,
        a.response_deadline_date,
        datediff('day', a.response_deadline_date, a.month_last_day) as days_past_deadline,
        a.amount_yuan / 10000.0 as amount_wan,
        a.entity_type,
        a.industry_section,
        left(a.uscc, 6) || '********' || right(a.uscc, 4) as uscc_masked,
        a.product_id,
        p.product_name,
        a.product_category,
        a.product_institution_id,
        i.institution_name as product_institution_name
    from overdue as a
    left join products as p on p.product_id = a.product_id
    left join institutions as i on i.institution_id = a.product_institution_id
    left join counties as co on co.county_code = a.county_code
)

-- stored in the order the city page asks for it, so a city's month sits in few row groups
select * from final
order by city_code, period, submitted_at, application_id
