-- One row per application event: duplicates of an event_id collapsed (feeds.md Clarification 4:
-- the copy from the earliest partition wins, then the first row in the file).
with

source as (
    select * from {{ source('raw', 'applications') }}
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

copies as (
    select * from {{ ref('stg_applications__event_copies') }}
),

-- every row passes through but the losing copies of a repeated event_id (the provenance columns are
-- never NULL and name one delivered row: the loader sets them)
final as (
    select
        r.*,
        coalesce(c.copies_delivered, 1) as copies_delivered
    from renamed as r
    left join copies as c
        on c.event_id is not distinct from r.event_id
        and c.business_date = r.business_date
        and c.row_number = r.row_number
        and c.file_name = r.file_name
    where c.copy_rank is null or c.copy_rank = 1
)

select * from final
