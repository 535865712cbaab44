-- City × (institution | product category | entity type | industry) values of the indicators a city office
-- reads about its own city. indicator_values publishes these grains province-wide only; the families
-- compute the city-crossed grains ('city/<grain>', key '<city_code>|<member>') in the same GROUPING SETS
-- with the same formulas (macros/indicator_grains.sql), and this model only publishes them. Only the
-- (code, grain) pairs the catalog publishes are kept (D01 has no institution grain, …).
with

crossed as (
    select * from {{ ref('int_indicators_computed') }}
    where grain like 'city/%'
),

catalog as (
    select code, grains from {{ ref('indicator_catalog') }}
),

published as (
    select code, list_transform(string_split(grains, ','), lambda g: trim(g)) as grains
    from catalog
),

final as (
    select
        c.period,
        split_part(c.grain_key, '|', 1) as city_code,
        split_part(c.grain, '/', 2) as dimension,
        split_part(c.grain_key, '|', 2) as member_key,
        c.indicator_code,
        c.value
    from crossed as c
    inner join published as p on p.code = c.indicator_code
    where list_contains(p.grains, split_part(c.grain, '/', 2)) or list_contains(p.grains, 'all')
)

-- stored in the order the city page asks for it, so a city's rows sit in few row groups
select * from final
order by city_code, dimension, indicator_code, period, member_key
