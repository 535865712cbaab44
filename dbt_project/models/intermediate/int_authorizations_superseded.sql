-- The authorization in force per authorization_id: the latest row in delivery order
-- (partition date, then row order in the file) supersedes earlier rows (feeds.md Clarification 5).
with

authorizations as (
    select * from {{ ref('stg_authorizations__authorizations') }}
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
        count(*) over (partition by authorization_id) as rows_delivered,
        file_name,
        business_date,
        row_number
    from authorizations
    qualify row_number() over (
        partition by authorization_id order by business_date desc, row_number desc, file_name desc
    ) = 1
)

select * from final
