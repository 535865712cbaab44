-- rpt_promotion_codes adds up to the published P codes: over a city's codes (and over every code for the
-- province) the demands, accepted, approved, disbursed and amount are P01–P05, the active codes number P07
-- and the dormant ones P08.
with

codes as (
    select * from {{ ref('rpt_promotion_codes') }}
),

summed as (
    select
        period,
        case when grouping(city_code) = 1 then 'province' else 'city' end as grain,
        case when grouping(city_code) = 1 then '{{ var("province_code") }}' else city_code end as grain_key,
        [
            {'code': 'P01', 'total': sum(demands)},
            {'code': 'P02', 'total': sum(accepted)},
            {'code': 'P03', 'total': sum(approved)},
            {'code': 'P04', 'total': sum(disbursed)},
            {'code': 'P05', 'total': sum(disbursed_amount_wan)},
            {'code': 'P07', 'total': count(*) filter (where is_active)},
            {'code': 'P08', 'total': count(*) filter (where is_dormant)}
        ] as totals
    from codes
    group by grouping sets ((period, city_code), (period))
),

listed as (
    select s.period, s.grain, s.grain_key, t.code, t.total
    from summed as s, unnest(s.totals) as u(t)
    where s.grain_key is not null
),

published as (
    select indicator_code, period, grain, grain_key, value
    from {{ ref('fct_indicator_values') }}
    where indicator_code in ('P01', 'P02', 'P03', 'P04', 'P05', 'P07', 'P08') and grain in ('province', 'city')
)

select p.*, l.total
from published as p
left join listed as l
    on l.code = p.indicator_code and l.period = p.period and l.grain = p.grain and l.grain_key = p.grain_key
where abs(coalesce(l.total, 0) - p.value) > 1e-6 * greatest(1, abs(p.value))
