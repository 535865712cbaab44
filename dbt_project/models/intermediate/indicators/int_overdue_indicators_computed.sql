-- R04, a stock at period end: the overdue unanswered demands of int_overdue_demands, counted.
-- Institution grain: the product's institution from the latest snapshot listing the product; demands
-- with no (known) product are left out of that grain.
with

population as (
    select
        period,
        province_code,
        city_code,
        county_code,
        product_institution_id as institution_id
    from {{ ref('int_overdue_demands') }}
),

final as (
    {{ rollup_indicators('population', [
        ['R04', 'count(*)'],
    ], ['province', 'city', 'county', 'institution']) }}
)

select * from final
