-- One row per data month x product listed (上架) in the register in force at period end, with the
-- rules it breaks, judged at the month's last day (int_register_products_judged).
with

judged as (
    select * from {{ ref('int_register_products_judged') }}
),

final as (
    select
        period,
        judged_on as month_last_day,
        snapshot_date,
        product_id,
        institution_id,
        product_category,
        province_code,
        city_code,
        breaks_category,
        breaks_individual_only,
        breaks_institution_absent,
        breaks_not_onboarded,
        breaks_agreement_unsigned,
        breaks_agreement_expired,
        is_violation
    from judged
    where period is not null and is_listed
)

select * from final
