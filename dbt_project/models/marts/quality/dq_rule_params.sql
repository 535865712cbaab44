-- The rule catalog's thresholds one per row: params "key=value;key=value" of seed dq_rules split, so a
-- rule with one threshold per feed (feed_stale) joins on the key.
with

rules as (
    select rule_code, params from {{ ref('dq_rules') }} where params is not null and trim(params) <> ''
),

pairs as (
    select rule_code, unnest(string_split(params, ';')) as pair from rules
),

final as (
    select
        rule_code,
        trim(split_part(pair, '=', 1)) as param_key,
        trim(split_part(pair, '=', 2)) as param_value
    from pairs
    where trim(pair) <> ''
)

select * from final
