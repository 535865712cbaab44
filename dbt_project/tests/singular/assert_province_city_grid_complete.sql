-- indicators.md: for grains province and city the grid is complete — every month from the first to the
-- last data month, every one of the 11 cities, for every indicator (and variant) defined there.
with

months as (
    select period from {{ ref('int_months_spanned') }}
),

codes_at_grain as (
    select distinct indicator_code, grain
    from {{ ref('fct_indicator_values') }}
    where grain in ('province', 'city')
),

members as (
    select 'province' as grain, '140000' as grain_key
    union all
    select 'city', city_code from {{ ref('city_seats') }}
),

expected as (
    select c.indicator_code, m.period, mb.grain, mb.grain_key
    from codes_at_grain as c
    inner join members as mb on mb.grain = c.grain
    cross join months as m
)

select e.*
from expected as e
left join {{ ref('fct_indicator_values') }} as v
    on v.indicator_code = e.indicator_code and v.period = e.period
    and v.grain = e.grain and v.grain_key = e.grain_key
where v.indicator_code is null
