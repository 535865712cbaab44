-- S01 (institutions 已入驻) and S02–S03 (listed products, violations) from the register in force at
-- period end.
with

in_force as (
    select * from {{ ref('int_register_snapshots_selected') }}
),

institutions as (
    select * from {{ ref('stg_register__institutions') }}
),

judged as (
    select * from {{ ref('int_register_products_judged') }}
),

onboarded as (
    select
        f.period,
        '{{ var("province_code") }}' as province_code,
        {{ city_of('i.division_code') }} as city_code,
        i.institution_id
    from in_force as f
    inner join institutions as i
        on i.snapshot_date = f.snapshot_date and i.onboarding_status = '已入驻'
),

-- the products listed at each month's end, judged on its last day
listed as (
    select * from judged where period is not null and is_listed
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
