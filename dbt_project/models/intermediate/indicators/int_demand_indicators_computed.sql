-- D01–D03 and O11: population = life-cycle-valid applications, in the month of their `submitted`.
with

applications as (
    select * from {{ ref('int_applications_summarised') }}
),

population as (
    select
        submitted_period as period,
        {{ grain_key_columns() }},
        uscc,
        amount_yuan,
        is_disbursed_within_30_days
    from applications
),

final as (
    {{ rollup_indicators('population', [
        ['D01', 'count(*)'],
        ['D02', 'sum(amount_yuan) / 10000.0'],
        ['D03', 'count(distinct uscc)'],
        ['O11', pct('count(*) filter (where is_disbursed_within_30_days)', 'count(*)')],
        [ratio_denominator('O11'), 'count(*)'],
    ], all_grains() + city_crossed_grains()) }}
)

select * from final
