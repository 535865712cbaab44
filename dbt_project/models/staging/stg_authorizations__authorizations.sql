-- The authorization in force per authorization_id: a later row supersedes the earlier ones, later in
-- delivery order (feeds.md Clarification 5: partition date, then row order in the file); rows_delivered
-- counts the rows delivered for the id.
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

superseded as (
    {{ deduplicate('renamed', ['authorization_id'], keep='latest', count_as='rows_delivered') }}
),

final as (
    select
        authorization_id,
        uscc,
        institution_id,
        scope,
        granted_at,
        expires_at,
        revoked_at,
        rows_delivered,
        file_name,
        business_date,
        row_number
    from superseded
)

select * from final
