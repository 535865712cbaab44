-- Every product row of every loaded register snapshot, judged on the snapshot's own date
-- (int_register_products_judged): the evidence behind the product alerts, whose first_seen / last_seen
-- are snapshot dates. fct_listed_products holds the judgments at each month's end instead.
with

judged as (
    select * from {{ ref('int_register_products_judged') }}
),

final as (
    select * exclude (period, judged_on, province_code)
    from judged
    where period is null
)

select * from final
