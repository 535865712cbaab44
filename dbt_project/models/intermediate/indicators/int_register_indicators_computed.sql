-- S01 (institutions 已入驻) and S02–S03 (listed products, violations) from the register in force at
-- period end.
with

in_force as (
    select * from {{ ref('int_register_snapshots_in_force') }}
),

cities as (
    select city_code from {{ ref('city_seats') }}
),

onboarded as (
    select
        f.period,
        '{{ var("province_code") }}' as province_code,
        ci.city_code,
        i.institution_id
    from in_force as f
    inner join {{ ref('stg_register__institutions') }} as i
        on i.snapshot_date = f.snapshot_date and i.onboarding_status = '已入驻'
    left join cities as ci on ci.city_code = left(i.division_code, 4) || '00'
),

listed as (
    select * from {{ ref('int_listed_products_judged') }}
),

institution_values as (
    {{ rollup_indicators('onboarded', [
        ['S01', 'count(distinct institution_id)'],
    ], ['province', 'city']) }}
),

product_values as (
    {{ rollup_indicators('listed', [
        ['S02', 'count(distinct product_id)'],
        ['S03', 'count(distinct product_id) filter (where is_violation)'],
    ], ['province', 'city', 'institution', 'product_category']) }}
),

final as (
    select * from institution_values
    union all
    select * from product_values
)

select * from final
