with

source as (
    select * from {{ source('raw', 'row_quarantine') }}
),

renamed as (
    select
        cast(feed as varchar) as feed,
        cast(file_name as varchar) as file_name,
        cast(business_date as date) as business_date,
        cast(row_number as integer) as row_number,
        cast(record_key as varchar) as record_key,
        cast(rule as varchar) as rule,
        cast(detail as varchar) as detail,
        cast(raw_record as varchar) as raw_record
    from source
),

final as (
    select * from renamed
)

select * from final
