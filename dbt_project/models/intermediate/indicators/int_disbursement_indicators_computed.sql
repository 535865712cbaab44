-- O03–O09 and C01: population = `disbursed` events of valid applications, in the month of their own
-- event_time; rate, amount, guarantee_type, first_loan and uscc as delivered on each disbursed row;
-- geography, entity type, industry, product and institution those of the application.
with

events as (
    select * from {{ ref('int_application_events_validated') }}
),

population as (
    select
        period,
        {{ grain_key_columns() }},
        event_uscc as uscc,
        amount_yuan,
        annual_rate_pct,
        guarantee_type,
        first_loan
    from events
    where event_type = 'disbursed'
),

final as (
    {{ rollup_indicators('population', [
        ['O03', 'count(*)'],
        ['O04', 'sum(amount_yuan) / 10000.0'],
        ['O05', 'count(distinct uscc)'],
        ['O06', 'sum(annual_rate_pct * amount_yuan) / nullif(sum(amount_yuan), 0)'],
        ['O07', "count(distinct uscc) filter (where first_loan = 'Y')"],
        ['O08', pct("coalesce(sum(amount_yuan) filter (where guarantee_type = '信用'), 0)", 'sum(amount_yuan)')],
        ['O09', "coalesce(sum(amount_yuan) filter (where guarantee_type = '政府性融资担保'), 0) / 10000.0"],
        ['C01', 'count(distinct county_code)'],
        [ratio_denominator('O06'), 'sum(amount_yuan)'],
        [ratio_denominator('O08'), 'sum(amount_yuan)'],
    ], all_grains() + city_crossed_grains()) }}
)

select * from final
