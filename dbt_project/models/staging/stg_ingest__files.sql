with

source as (
    select * from {{ source('raw', 'ingest_log') }}
),

renamed as (
    select
        cast(feed as varchar) as feed,
        cast(file_name as varchar) as file_name,
        cast(business_date as date) as business_date,
        cast(sha256 as varchar) as sha256,
        cast(encoding as varchar) as encoding,
        cast(rows_in as bigint) as rows_in,
        cast(rows_loaded as bigint) as rows_loaded,
        cast(rows_quarantined as bigint) as rows_quarantined,
        cast(status as varchar) as status,
        cast(message as varchar) as message,
        cast(loaded_at as timestamp) as loaded_at,
        cast(is_current as boolean) as is_current
    from source
),

final as (
    select * from renamed
)

select * from final
