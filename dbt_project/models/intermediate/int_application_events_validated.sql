-- Every de-duplicated event of a life-cycle-valid application, carrying the application's attributes
-- (from its submitted row) and the period of the event's own event_time.
with

events as (
    select * from {{ ref('stg_applications__events') }}
),

applications as (
    select * from {{ ref('int_applications_summarised') }}
),

final as (
    select
        e.event_id,
        e.application_id,
        e.event_type,
        e.event_time,
        strftime(e.event_time, '%Y-%m') as period,
        e.uscc as event_uscc,
        e.institution_id as event_institution_id,
        e.amount_yuan,
        e.annual_rate_pct,
        e.guarantee_type,
        e.guarantor_id,
        e.first_loan,
        e.reason,
        a.uscc as application_uscc,
        a.province_code,
        a.county_code,
        a.city_code,
        a.entity_type,
        a.industry_section,
        a.product_id,
        a.product_category,
        a.institution_id,
        e.file_name,
        e.business_date,
        e.row_number
    from events as e
    inner join applications as a on a.application_id = e.application_id
)

select * from final
