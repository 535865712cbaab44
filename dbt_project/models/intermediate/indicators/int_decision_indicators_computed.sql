-- O10: population = applications in the month of their first decision (approved or rejected), once.
with

applications as (
    select * from {{ ref('int_applications_summarised') }}
),

population as (
    select
        strftime(first_decision_at, '%Y-%m') as period,
        {{ grain_key_columns() }},
        first_decision
    from applications
    where first_decision_at is not null
),

final as (
    {{ rollup_indicators('population', [
        ['O10', pct("count(*) filter (where first_decision = 'approved')", 'count(*)')],
        [ratio_denominator('O10'), 'count(*)'],
    ], all_grains() + city_crossed_grains()) }}
)

select * from final
