-- One row per application event: duplicates of an event_id collapsed (feeds.md Clarification 4:
-- the copy from the earliest partition wins, then the first row in the file).
with

source as (
    select * from {{ source('raw', 'applications') }}
),

repeated as (
    select * from {{ ref('stg_applications__repeated_event_ids') }}
),

renamed as (
    select
        cast(event_id as varchar) as event_id,
        cast(application_id as varchar) as application_id,
        cast(event_type as varchar) as event_type,
        cast(event_time as timestamp) as event_time,
        cast(uscc as varchar) as uscc,
        cast(enterprise_name as varchar) as enterprise_name,
        cast(legal_rep_name_masked as varchar) as legal_rep_name_masked,
        cast(contact_phone_masked as varchar) as contact_phone_masked,
        cast(contact_phone_hash as varchar) as contact_phone_hash,
        cast(county_code as varchar) as county_code,
        upper(cast(industry_code as varchar)) as industry_code,
        cast(qr_code_id as varchar) as qr_code_id,
        cast(product_id as varchar) as product_id,
        cast(institution_id as varchar) as institution_id,
        cast(amount_yuan as decimal(18, 2)) as amount_yuan,
        cast(term_months as integer) as term_months,
        cast(annual_rate_pct as decimal(6, 3)) as annual_rate_pct,
        cast(guarantee_type as varchar) as guarantee_type,
        cast(guarantor_id as varchar) as guarantor_id,
        cast(first_loan as varchar) as first_loan,
        cast(reason as varchar) as reason,
        cast(_file_name as varchar) as file_name,
        cast(_business_date as date) as business_date,
        cast(_row_number as integer) as row_number
    from source
),

-- every row passes through but the other copies of a repeated event_id
final as (
    {{ deduplicate('renamed', ['event_id'], keep='earliest', copies='repeated', count_as='copies_delivered') }}
)

select * from final
