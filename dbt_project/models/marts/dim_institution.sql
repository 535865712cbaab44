-- Every institution seen in a register snapshot, as described by the latest snapshot listing it,
-- plus the institutions that appear only in the feeds (accepting a demand, querying a report).
with

institutions as (
    select * from {{ ref('stg_register__institutions') }}
),

applications as (
    select institution_id from {{ ref('int_applications_summarised') }}
),

credit_queries as (
    select institution_id from {{ ref('int_credit_queries_judged') }}
),

products as (
    select institution_id from {{ ref('stg_register__products') }}
),

register as (
    select * from institutions
    qualify row_number() over (partition by institution_id order by snapshot_date desc, row_number) = 1
),

latest_snapshot as (
    select max(snapshot_date) as snapshot_date from institutions
),

feed_only as (
    select distinct institution_id from applications where institution_id is not null
    union
    select distinct institution_id from credit_queries where institution_id is not null
    union
    select distinct institution_id from products where institution_id is not null
),

final as (
    select
        coalesce(r.institution_id, f.institution_id) as institution_id,
        r.institution_name,
        r.institution_type,
        r.parent_institution_id,
        r.division_code,
        {{ city_of('r.division_code') }} as city_code,
        r.onboarding_status,
        r.approved_date,
        r.agreement_signed_date,
        r.agreement_expiry_date,
        r.snapshot_date as last_snapshot_date,
        r.institution_id is not null and r.snapshot_date = ls.snapshot_date as in_latest_snapshot,
        r.institution_id is not null as in_register
    from register as r
    full outer join feed_only as f on f.institution_id = r.institution_id
    cross join latest_snapshot as ls
)

select * from final
