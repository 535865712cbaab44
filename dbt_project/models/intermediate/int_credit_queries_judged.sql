-- One row per de-duplicated credit report: its period, city (from subject.county_code) and whether the
-- query was lawful (feeds.md "authorizations" + Clarification 6; indicators.md Clarification 12).
with

reports as (
    select * from {{ ref('stg_credit_reports__reports') }}
),

authorizations as (
    select * from {{ ref('stg_authorizations__authorizations') }}
),

judged as (
    select
        r.report_id,
        r.uscc,
        r.queried_at,
        strftime(r.queried_at, '%Y-%m') as period,
        r.institution_id,
        r.authorization_id,
        r.subject_county_code,
        '{{ var("province_code") }}' as province_code,
        {{ city_of('r.subject_county_code') }} as city_code,
        a.authorization_id is not null as authorization_found,
        case
            when r.authorization_id is null then 'authorization_missing'
            when a.authorization_id is null then 'authorization_unknown'
            when a.uscc is distinct from r.uscc then 'authorization_other_uscc'
            when a.institution_id is distinct from r.institution_id then 'authorization_other_institution'
            when a.scope is null or a.scope not in ('credit_report', 'all') then 'authorization_scope'
            when a.granted_at is null or r.queried_at < a.granted_at then 'query_before_grant'
            when a.expires_at is not null and r.queried_at >= a.expires_at then 'query_after_expiry'
            when a.revoked_at is not null and r.queried_at >= a.revoked_at then 'query_after_revocation'
        end as unlawful_reason,
        r.file_name,
        r.business_date,
        r.row_number
    from reports as r
    left join authorizations as a on a.authorization_id = r.authorization_id
),

final as (
    select
        *,
        unlawful_reason is null as is_lawful
    from judged
)

select * from final
