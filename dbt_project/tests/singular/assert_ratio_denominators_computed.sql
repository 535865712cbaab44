-- Every ratio indicator (unit % or 小时) carries its denominator component ('<code>__denominator', macro
-- ratio_denominator) at every grain and month where its family computes a value: rpt_indicator_attribution
-- weighs the members by it.
with

ratios as (
    select code from {{ ref('indicator_catalog') }} where unit in ('%', '小时')
),

computed as (
    select indicator_code, period, grain, grain_key, value from {{ ref('int_indicators_computed') }}
)

select v.*
from computed as v
inner join ratios as r on r.code = v.indicator_code
left join computed as d
    on d.indicator_code = v.indicator_code || '{{ ratio_denominator("") }}'
    and d.period = v.period and d.grain = v.grain and d.grain_key = v.grain_key
where v.value is not null and not coalesce(d.value > 0, false)
