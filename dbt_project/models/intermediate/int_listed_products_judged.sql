-- For every data month, each 上架 product of the register in force at period end
-- (int_register_snapshots_in_force) judged against the rules of feeds.md at the month's last day
-- (indicators.md Clarification 11). One row per month x listed product.
with

in_force as (
    select * from {{ ref('int_register_snapshots_in_force') }}
),

products as (
    select * from {{ ref('stg_register__products') }}
),

institutions as (
    select * from {{ ref('stg_register__institutions') }}
),

cities as (
    select city_code from {{ ref('city_seats') }}
),

listed as (
    select
        f.period,
        f.month_last_day,
        f.snapshot_date,
        p.product_id,
        p.institution_id,
        p.product_category,
        p.service_targets,
        i.institution_id is not null as institution_in_snapshot,
        i.onboarding_status,
        i.agreement_signed_date,
        i.agreement_expiry_date,
        ci.city_code,
        list_sort(list_distinct(list_transform(string_split(coalesce(p.service_targets, ''), '、'), lambda x: trim(x))))
            as service_target_set
    from in_force as f
    inner join products as p on p.snapshot_date = f.snapshot_date and p.listing_status = '上架'
    left join institutions as i on i.snapshot_date = f.snapshot_date and i.institution_id = p.institution_id
    left join cities as ci on ci.city_code = left(i.division_code, 4) || '00'
),

final as (
    select
        period,
        month_last_day,
        snapshot_date,
        product_id,
        institution_id,
        product_category,
        '{{ var("province_code") }}' as province_code,
        city_code,
        product_category in ('个人消费贷款', '理财产品') as breaks_category,
        service_target_set = ['个人'] as breaks_individual_only,
        not institution_in_snapshot as breaks_institution_absent,
        institution_in_snapshot and onboarding_status is distinct from '已入驻' as breaks_not_onboarded,
        institution_in_snapshot and (agreement_signed_date is null or agreement_signed_date > month_last_day)
            as breaks_agreement_unsigned,
        institution_in_snapshot and agreement_expiry_date < month_last_day as breaks_agreement_expired
    from listed
)

select
    *,
    breaks_category or breaks_individual_only or breaks_institution_absent or breaks_not_onboarded
        or breaks_agreement_unsigned or coalesce(breaks_agreement_expired, false) as is_violation
from final
