-- O01–O02: population = applications in the month of their first `approved`, with its amount.
with

applications as (
    select * from {{ ref('int_applications_summarised') }}
),

population as (
    select
        strftime(first_approved_at, '%Y-%m') as period,
        {{ grain_key_columns() }},
        first_approved_amount_yuan
    from applications
    where first_approved_at is not null
),

final as (
    {{ rollup_indicators('population', [
        ['O01', 'count(*)'],
        ['O02', 'sum(first_approved_amount_yuan) / 10000.0'],
    ], all_grains() + city_crossed_grains()) }}
)

select * from final
