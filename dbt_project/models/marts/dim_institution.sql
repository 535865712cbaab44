-- Every institution seen in a register snapshot, as described by the latest snapshot listing it,
-- plus the institutions that appear only in the feeds (accepting a demand, querying a report).
with

register as (
    select * from {{ ref('stg_register__institutions') }}
    qualify row_number() over (partition by institution_id order by snapshot_date desc, row_number) = 1
),

latest_snapshot as (
    select max(snapshot_date) as snapshot_date from {{ ref('stg_register__institutions') }}
),

feed_only as (
    select distinct institution_id from {{ ref('int_applications_summarised') }} where institution_id is not null
    union
    select distinct institution_id from {{ ref('int_credit_queries_judged') }} where institution_id is not null
    union
    select distinct institution_id from {{ ref('stg_register__products') }} where institution_id is not null
),

cities as (
    select city_code from {{ ref('city_seats') }}
),

final as (
    select
        coalesce(r.institution_id, f.institution_id) as institution_id,
        r.institution_name,
        r.institution_type,
        r.parent_institution_id,
        r.division_code,
        ci.city_code,
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
    left join cities as ci on ci.city_code = left(r.division_code, 4) || '00'
)

select * from final
