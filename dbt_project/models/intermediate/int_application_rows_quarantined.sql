-- Every raw row (all delivered copies, current deliveries only — the raw layer holds nothing else) of
-- the applications that break the life cycle, as audit rows: the rule, what failed, and the masked row
-- as JSON text (feed column names; PII fields hold their masked values).
with

violations as (
    select application_id, violated_rule, violation_detail
    from {{ ref('int_applications_checked') }}
    where not is_valid
),

events as (
    select event_id, application_id from {{ ref('stg_applications__events') }}
),

raw_rows as (
    select * from {{ source('raw', 'applications') }}
),

violating_events as (
    select e.event_id, v.violated_rule, v.violation_detail, v.application_id
    from events as e
    inner join violations as v on v.application_id = e.application_id
),

final as (
    select
        'applications' as feed,
        r._file_name as file_name,
        r._business_date as business_date,
        r._row_number as row_number,
        r.event_id as record_key,
        v.application_id,
        v.violated_rule as rule,
        '申请 ' || v.application_id || ': ' || v.violation_detail as detail,
        to_json({
            'event_id': r.event_id,
            'application_id': r.application_id,
            'event_type': r.event_type,
            'event_time': strftime(r.event_time, '%Y-%m-%d %H:%M:%S'),
            'uscc': r.uscc,
            'enterprise_name': r.enterprise_name,
            'legal_rep_name': r.legal_rep_name_masked,
            'contact_phone': r.contact_phone_masked,
            'county_code': r.county_code,
            'industry_code': r.industry_code,
            'qr_code_id': r.qr_code_id,
            'product_id': r.product_id,
            'institution_id': r.institution_id,
            'amount_yuan': cast(r.amount_yuan as varchar),
            'term_months': cast(r.term_months as varchar),
            'annual_rate_pct': cast(r.annual_rate_pct as varchar),
            'guarantee_type': r.guarantee_type,
            'guarantor_id': r.guarantor_id,
            'first_loan': r.first_loan,
            'reason': r.reason
        })::varchar as raw_record
    from raw_rows as r
    inner join violating_events as v on v.event_id = r.event_id
)

select * from final
