-- Every product row of every loaded register snapshot, judged on the snapshot's own date
-- (int_register_products_judged): the evidence behind the product alerts, whose first_seen / last_seen
-- are snapshot dates. fct_listed_products holds the judgments at each month's end instead.
with

judged as (
    select * from {{ ref('int_register_products_judged') }}
),

final as (
    select
        snapshot_date,
        file_name,
        row_number,
        product_id,
        product_name,
        institution_id,
        product_category,
        service_targets,
        listing_status,
        is_listed,
        institution_in_snapshot,
        institution_name,
        onboarding_status,
        agreement_signed_date,
        agreement_expiry_date,
        city_code,
        breaks_category,
        breaks_individual_only,
        breaks_institution_absent,
        breaks_not_onboarded,
        breaks_agreement_unsigned,
        breaks_agreement_expired,
        is_violation
    from judged
    where period is null
)

select * from final
