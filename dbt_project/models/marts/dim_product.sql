-- Every product seen in a register snapshot, as described by the latest snapshot listing it.
with

products as (
    select * from {{ ref('stg_register__products') }}
),

latest as (
    select * from products
    qualify row_number() over (partition by product_id order by snapshot_date desc, row_number) = 1
),

final as (
    select
        product_id,
        institution_id,
        product_name,
        product_category,
        service_targets,
        min_amount_wan,
        max_amount_wan,
        max_term_months,
        rate_floor_pct,
        rate_cap_pct,
        guarantee_type,
        applicable_regions,
        min_years_in_business,
        tax_credit_min_grade,
        listing_status,
        listed_date,
        delisted_date,
        snapshot_date as last_snapshot_date
    from latest
)

select * from final
