-- rpt_indicator_attribution is exact: in every (indicator, month, area, dimension) the members' contributions
-- add up to the change of the published value, and a ratio's member weights add up to 1 in both months.
with

attribution as (
    select * from {{ ref('rpt_indicator_attribution') }}
),

checked as (
    select
        indicator_code,
        period,
        grain,
        grain_key,
        dimension,
        any_value(change) as change,
        sum(contribution) as contributions,
        sum(member_weight) as weights,
        sum(member_previous_weight) as previous_weights,
        any_value(method) as method,
        greatest(1, max(abs(value)), max(abs(previous_value))) as scale
    from attribution
    group by all
)

select *
from checked
where abs(contributions - change) > 1e-9 * scale
    or (method = 'ratio' and (abs(weights - 1) > 1e-9 or abs(previous_weights - 1) > 1e-9))
