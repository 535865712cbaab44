-- One row per product_id ever seen in a loaded register snapshot, as described by the latest snapshot
-- that lists it (indicators.md Clarification 14): its 产品类别 and its institution (机构编码).
with

products as (
    select * from {{ ref('stg_register__products') }}
),

final as (
    select
        product_id,
        institution_id as product_institution_id,
        product_category,
        product_name,
        listing_status,
        snapshot_date as last_snapshot_date
    from products
    qualify row_number() over (partition by product_id order by snapshot_date desc, row_number) = 1
)

select * from final
