-- The rule catalog of the alerts (seed dq_rules), published for the pages: each rule's name, severity,
-- owner, family, what it enforces and its thresholds; for a listing rule, the fct_listed_products /
-- dq_product_listings column that carries it and the short label shown beside a listed product.
with

rules as (
    select * from {{ ref('dq_rules') }}
),

final as (
    select
        rule_code,
        name_zh,
        severity,
        owner_role,
        family,
        feed_or_model,
        entity_type,
        enforces,
        params,
        listing_flag,
        listing_label_zh
    from rules
)

select * from final
