-- marts.dq_alerts: every quality and compliance problem evidenced by the data, one row per (rule,
-- entity), with the rule's severity and home from the catalog (seed dq_rules). alert_id hashes
-- rule_code | entity_type | entity_key, so the same problem keeps its id across rebuilds and the
-- stewards' workflow store (outside the warehouse) can follow it.
with

contract as (
    select * from {{ ref('dq_contract_alerts') }}
),

timeliness as (
    select * from {{ ref('dq_timeliness_alerts') }}
),

compliance as (
    select * from {{ ref('dq_compliance_alerts') }}
),

consistency as (
    select * from {{ ref('dq_consistency_alerts') }}
),

rules as (
    select * from {{ ref('dq_rules') }}
),

found as (
    select * from contract
    union all by name
    select * from timeliness
    union all by name
    select * from compliance
    union all by name
    select * from consistency
),

final as (
    select
        cast({{ dq_alert_id('f.rule_code', 'f.entity_type', 'f.entity_key') }} as varchar) as alert_id,
        cast(f.rule_code as varchar) as rule_code,
        cast(r.severity as varchar) as severity,
        cast(r.feed_or_model as varchar) as feed_or_model,
        cast(f.entity_type as varchar) as entity_type,
        cast(f.entity_key as varchar) as entity_key,
        cast(f.city_code as varchar) as city_code,
        cast(f.first_seen as timestamp) as first_seen,
        cast(f.last_seen as timestamp) as last_seen,
        cast(f.occurrences as bigint) as occurrences,
        cast(f.detail as varchar) as detail
    from found as f
    inner join rules as r on r.rule_code = f.rule_code
)

select * from final
