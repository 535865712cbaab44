-- The one place where a listing is judged against the listing rules of feeds.md ("A product is listed only
-- by an institution that is 已入驻 with an agreement signed and not expired on that day"), with the
-- institution row of the same snapshot (indicators.md Clarification 11). Every product row of a loaded
-- register snapshot is judged on two kinds of day:
--   - the snapshot's own date (period NULL): dq_product_listings, the alerts (every snapshot showing a breach);
--   - the last day of every data month whose register in force it is (period set): fct_listed_products, S02–S03.
-- A breaks_* flag is true only for a listed (上架) product; institution_in_snapshot holds for any row.
-- The rules themselves are macro listing_breaks, which matching applies on its own as-of dates too
-- (int_match_products_in_force).
with

products as (
    select * from {{ ref('stg_register__products') }}
),

institutions as (
    select * from {{ ref('stg_register__institutions') }}
),

in_force as (
    select * from {{ ref('int_register_snapshots_selected') }}
),

judgment_days as (
    select distinct snapshot_date, snapshot_date as judged_on, cast(null as varchar) as period from products
    union all
    select snapshot_date, month_last_day as judged_on, period from in_force
),

joined as (
    select
        d.period,
        d.judged_on,
        p.snapshot_date,
        p.file_name,
        p.row_number,
        p.product_id,
        p.product_name,
        p.institution_id,
        p.product_category,
        p.service_targets,
        p.listing_status,
        p.listing_status = '上架' as is_listed,
        i.institution_id is not null as institution_in_snapshot,
        i.institution_name,
        i.onboarding_status,
        i.agreement_signed_date,
        i.agreement_expiry_date,
        {{ city_of('i.division_code') }} as city_code,
        {{ service_target_set('p.service_targets') }} as service_target_set
    from judgment_days as d
    inner join products as p on p.snapshot_date = d.snapshot_date
    left join institutions as i on i.snapshot_date = p.snapshot_date and i.institution_id = p.institution_id
),

judged as (
    select
        *,
        {{ listing_breaks('judged_on') }}
    from joined
),

final as (
    select
        * exclude (service_target_set),
        '{{ var("province_code") }}' as province_code,
        {{ listing_is_violation() }} as is_violation
    from judged
)

select * from final
