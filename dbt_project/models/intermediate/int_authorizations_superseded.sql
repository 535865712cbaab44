-- The authorization in force per authorization_id: the latest row in delivery order
-- (partition date, then row order in the file) supersedes earlier rows (feeds.md Clarification 5).
with

authorizations as (
    select * from {{ ref('stg_authorizations__authorizations') }}
),

-- Only the authorization_ids delivered more than once need choosing: the same rows as
-- row_number() over (partition by authorization_id order by business_date desc, row_number desc,
-- file_name desc) = 1, without sorting (the provenance columns are never NULL: the loader sets them).
copies as (
    select
        authorization_id,
        count(*) as rows_delivered,
        max((business_date, row_number, file_name)) as last_copy
    from authorizations
    group by authorization_id
    having count(*) > 1
),

final as (
    select
        a.authorization_id,
        a.uscc,
        a.institution_id,
        a.scope,
        a.granted_at,
        a.expires_at,
        a.revoked_at,
        coalesce(c.rows_delivered, 1) as rows_delivered,
        a.file_name,
        a.business_date,
        a.row_number
    from authorizations as a
    left join copies as c on c.authorization_id is not distinct from a.authorization_id
    where c.last_copy is null
        or (a.business_date, a.row_number, a.file_name) = c.last_copy
)

select * from final
