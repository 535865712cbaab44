-- R04, a stock at period end: the overdue unanswered demands of int_overdue_demands_found, counted.
-- Institution grain: the product's institution from the latest snapshot listing the product; demands
-- with no (known) product are left out of that grain.
with

overdue_demands as (
    select * from {{ ref('int_overdue_demands_found') }}
),

population as (
    select
        period,
        province_code,
        city_code,
        county_code,
        product_institution_id as institution_id
    from overdue_demands
),

final as (
    {{ rollup_indicators('population', [
        ['R04', 'count(*)'],
    ], ['province', 'city', 'county', 'institution']) }}
)

select * from final
