-- The published indicator table (indicators.md): every indicator at every grain of its catalog entry,
-- a complete grid for province and city (0 for counts and amounts, NULL for rates and means with an
-- empty population), sparse rows for the other grains, and the growth variants named by the catalog's
-- growth_variants, computed generically from the base values.
{%- set growth = [['MOM', 1], ['YOY', 12]] %}
with

catalog_seed as (
    select * from {{ ref('indicator_catalog') }}
),

computed as (
    select indicator_code, period, grain, grain_key, value from {{ ref('int_indicators_computed') }}
),

months as (
    select period, month_start from {{ ref('int_months_spanned') }}
),

cities as (
    select city_code from {{ ref('city_seats') }}
),

catalog as (
    select
        code,
        unit,
        list_transform(string_split(grains, ','), lambda x: trim(x)) as grain_list,
        list_filter(
            list_transform(string_split(coalesce(growth_variants, ''), ','), lambda x: trim(x)),
            lambda x: x <> ''
        ) as variant_list,
        -- counts and amounts are 0 where nothing happened; rates, shares and means are NULL
        unit not in ('%', '小时') as is_zero_filled
    from catalog_seed
),

published_grains as (
    select code, unnest(grain_list) as grain, is_zero_filled from catalog
),

grid_members as (
    select 'province' as grain, '{{ var("province_code") }}' as grain_key
    union all
    select 'city' as grain, city_code as grain_key from cities
),

complete_grid as (
    select
        pg.code as indicator_code,
        m.period,
        gm.grain,
        gm.grain_key,
        case when pg.is_zero_filled then coalesce(c.value, 0) else c.value end as value
    from published_grains as pg
    inner join grid_members as gm on gm.grain = pg.grain
    cross join months as m
    left join computed as c
        on c.indicator_code = pg.code
        and c.period = m.period
        and c.grain = gm.grain
        and c.grain_key = gm.grain_key
),

sparse as (
    select c.indicator_code, c.period, c.grain, c.grain_key, c.value
    from computed as c
    inner join published_grains as pg on pg.code = c.indicator_code and pg.grain = c.grain
    where c.grain not in ('province', 'city')
),

base as (
    select * from complete_grid
    union all
    select * from sparse
),

with_growth as (
    select
        b.*,
        cast(b.period || '-01' as date) as month_start,
        ct.variant_list
    from base as b
    inner join catalog as ct on ct.code = b.indicator_code
    where len(ct.variant_list) > 0
),

{%- for variant, lag_months in growth %}

growth_{{ variant | lower }} as (
    -- (current − base) / base × 100; NULL where the base is 0 or absent (indicators.md Clarification 13)
    select
        cur.indicator_code || '_{{ variant }}' as indicator_code,
        cur.period,
        cur.grain,
        cur.grain_key,
        case
            when prev.value is null or prev.value = 0 then null
            else (cur.value - prev.value) / prev.value * 100
        end as value
    from with_growth as cur
    left join with_growth as prev
        on prev.indicator_code = cur.indicator_code
        and prev.grain = cur.grain
        and prev.grain_key = cur.grain_key
        and prev.month_start = cast(cur.month_start - interval {{ lag_months }} month as date)
    where list_contains(cur.variant_list, '{{ variant }}')
),
{%- endfor %}

growth_ytd as (
    -- sum from January of the same year; months without a row (or before the first data month) are 0
    select
        indicator_code || '_YTD' as indicator_code,
        period,
        grain,
        grain_key,
        sum(value) over (
            partition by indicator_code, grain, grain_key, year(month_start)
            order by month_start
            rows between unbounded preceding and current row
        ) as value
    from with_growth
    where list_contains(variant_list, 'YTD')
),

unioned as (
    select * from base
    {%- for variant, lag_months in growth %}
    union all
    select * from growth_{{ variant | lower }}
    {%- endfor %}
    union all
    select * from growth_ytd
),

final as (
    select
        cast(indicator_code as varchar) as indicator_code,
        cast(period as varchar) as period,
        cast(grain as varchar) as grain,
        cast(grain_key as varchar) as grain_key,
        cast(value as double) as value
    from unioned
)

select * from final
-- stored in the order the dashboards ask for it (a grain and its members): DuckDB then skips whole row
-- groups by their min/max instead of scanning the table for one city
order by grain, grain_key, indicator_code, period
