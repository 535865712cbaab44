-- Every (month, city) of rpt_overdue_demands numbers exactly the city's R04, and the province's rows its R04.
with

listed as (
    select period, case when grouping(city_code) = 1 then '140000' else city_code end as grain_key, count(*) as n
    from {{ ref('rpt_overdue_demands') }}
    group by grouping sets ((period, city_code), (period))
),

listed_keyed as (
    select period, grain_key, n from listed where grain_key is not null
),

published as (
    select period, grain_key, value
    from {{ ref('fct_indicator_values') }}
    where indicator_code = 'R04' and grain in ('province', 'city')
)

select p.period, p.grain_key, p.value, l.n
from published as p
left join listed_keyed as l on l.period = p.period and l.grain_key = p.grain_key
where coalesce(l.n, 0) <> coalesce(p.value, 0)
