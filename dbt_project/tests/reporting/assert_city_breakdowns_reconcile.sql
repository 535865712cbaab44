-- The additive counts and amounts of rpt_city_breakdowns add up: over a city's members to the city's
-- value in indicator_values (every member present: institution for R01/O01–O04, which need an
-- acceptance; entity_type, which every application has), and over the cities to the province-wide
-- member value (only where every application of that member has a city — the generator's do).
with

breakdowns as (
    select * from {{ ref('rpt_city_breakdowns') }}
    where indicator_code in ('D01', 'D02', 'R01', 'O01', 'O02', 'O03', 'O04')
),

by_city as (
    select period, city_code, dimension, indicator_code, sum(value) as total
    from breakdowns
    where (dimension = 'institution') or (dimension = 'entity_type')
    group by all
),

city_values as (
    select indicator_code, period, grain_key as city_code, value
    from {{ ref('fct_indicator_values') }}
    where grain = 'city'
)

select b.*, c.value
from by_city as b
inner join city_values as c
    on c.indicator_code = b.indicator_code and c.period = b.period and c.city_code = b.city_code
where abs(b.total - c.value) > 1e-6 * greatest(1, abs(c.value))
