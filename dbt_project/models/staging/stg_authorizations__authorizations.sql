-- Every delivered authorization row, with its delivery order; the superseding is in
-- int_authorizations_superseded.
with

source as (
    select * from {{ source('raw', 'authorizations') }}
),

renamed as (
    select
        cast(authorization_id as varchar) as authorization_id,
        cast(uscc as varchar) as uscc,
        cast(institution_id as varchar) as institution_id,
        cast(scope as varchar) as scope,
        cast(granted_at as timestamp) as granted_at,
        cast(expires_at as timestamp) as expires_at,
        cast(revoked_at as timestamp) as revoked_at,
        cast(_file_name as varchar) as file_name,
        cast(_business_date as date) as business_date,
        cast(_row_number as integer) as row_number
    from source
),

final as (
    select * from renamed
)

select * from final
