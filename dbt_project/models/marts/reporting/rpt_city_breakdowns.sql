-- City × (institution | product category | entity type | industry) breakdowns of the indicators a city
-- office reads about its own city. indicator_values publishes these grains province-wide only, so a
-- city page or report needs them crossed with the city. Same populations and formulas as the family
-- models (int_*_indicators_computed), rolled up by the same macro; the grain key is made composite
-- (`<city_code>|<member>`) so rollup_indicators groups by city and member together, then split again.
-- Only the (code, grain) pairs the catalog seed publishes are kept (D01 has no institution grain, …).
with

applications as (
    select * from {{ ref('int_applications_summarised') }}
    where city_code is not null
),

demand as (
    select
        submitted_period as period,
        city_code || '|' || institution_id as institution_id,
        city_code || '|' || product_category as product_category,
        city_code || '|' || entity_type as entity_type,
        city_code || '|' || industry_section as industry_section,
        uscc,
        amount_yuan
    from applications
),

response as (
    select
        strftime(first_accepted_at, '%Y-%m') as period,
        city_code || '|' || institution_id as institution_id,
        response_seconds,
        is_accepted_on_time
    from applications
    where first_accepted_at is not null
),

approval as (
    select
        strftime(first_approved_at, '%Y-%m') as period,
        city_code || '|' || institution_id as institution_id,
        city_code || '|' || product_category as product_category,
        city_code || '|' || entity_type as entity_type,
        city_code || '|' || industry_section as industry_section,
        first_approved_amount_yuan
    from applications
    where first_approved_at is not null
),

decision as (
    select
        strftime(first_decision_at, '%Y-%m') as period,
        city_code || '|' || institution_id as institution_id,
        city_code || '|' || product_category as product_category,
        city_code || '|' || entity_type as entity_type,
        city_code || '|' || industry_section as industry_section,
        first_decision
    from applications
    where first_decision_at is not null
),

disbursement as (
    select
        period,
        city_code || '|' || institution_id as institution_id,
        city_code || '|' || product_category as product_category,
        city_code || '|' || entity_type as entity_type,
        city_code || '|' || industry_section as industry_section,
        amount_yuan
    from {{ ref('int_application_events_validated') }}
    where event_type = 'disbursed' and city_code is not null
),

rolled as (
    {{ rollup_indicators('demand', [
        ['D01', 'count(*)'],
        ['D02', 'sum(amount_yuan) / 10000.0'],
        ['D03', 'count(distinct uscc)'],
    ], ['product_category', 'entity_type', 'industry']) }}
    union all
    {{ rollup_indicators('response', [
        ['R01', 'count(*)'],
        ['R02', 'sum(response_seconds) / count(*) / 3600.0'],
        ['R03', pct('count(*) filter (where is_accepted_on_time)', 'count(*)')],
    ], ['institution']) }}
    union all
    {{ rollup_indicators('approval', [
        ['O01', 'count(*)'],
        ['O02', 'sum(first_approved_amount_yuan) / 10000.0'],
    ], ['institution', 'product_category', 'entity_type', 'industry']) }}
    union all
    {{ rollup_indicators('decision', [
        ['O10', pct("count(*) filter (where first_decision = 'approved')", 'count(*)')],
    ], ['institution', 'product_category', 'entity_type', 'industry']) }}
    union all
    {{ rollup_indicators('disbursement', [
        ['O03', 'count(*)'],
        ['O04', 'sum(amount_yuan) / 10000.0'],
    ], ['institution', 'product_category', 'entity_type', 'industry']) }}
),

published as (
    select code, list_transform(string_split(grains, ','), lambda g: trim(g)) as grains
    from {{ ref('indicator_catalog') }}
),

final as (
    select
        r.period,
        split_part(r.grain_key, '|', 1) as city_code,
        r.grain as dimension,
        split_part(r.grain_key, '|', 2) as member_key,
        r.indicator_code,
        r.value
    from rolled as r
    inner join published as p on p.code = r.indicator_code
    -- a NULL member concatenates to NULL and is dropped by the macro, as in indicator_values
    where list_contains(p.grains, r.grain) or list_contains(p.grains, 'all')
)

select * from final
