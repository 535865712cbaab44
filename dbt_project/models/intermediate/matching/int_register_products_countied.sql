-- Every listed (上架) product of every register snapshot expanded to the county-level divisions its
-- 适用地区 covers: 全省 (or the province code) every county, a city code its counties, a county code
-- itself. A code that is none of Shanxi's divisions covers nothing. One row per snapshot, product, county.
with

products as (
    select snapshot_date, product_id, applicable_regions
    from {{ ref('stg_register__products') }}
    where listing_status = '上架'
),

counties as (
    select code as county_code, city_code from {{ ref('divisions') }} where level = 'county'
),

regions as (
    select snapshot_date, product_id, trim(unnest(string_split(coalesce(applicable_regions, ''), ';'))) as region
    from products
),

final as (
    select distinct r.snapshot_date, r.product_id, c.county_code
    from regions as r
    inner join counties as c
        on r.region in ('全省', '{{ var("province_code") }}')
        or r.region = c.city_code
        or r.region = c.county_code
)

select * from final
