-- Every 上架 product of every loaded register snapshot, judged on the snapshot's own date against the
-- listing rules of feeds.md ("... not expired on that day"), with the institution row of the same
-- snapshot. int_listed_products_judged judges only the snapshot in force at a month's end (for S03);
-- an alert wants every snapshot that shows the breach, so first_seen/last_seen are snapshot dates.
with

products as (
    select * from {{ ref('stg_register__products') }}
),

institutions as (
    select * from {{ ref('stg_register__institutions') }}
    qualify row_number() over (partition by snapshot_date, institution_id order by row_number) = 1
),

cities as (
    select city_code from {{ ref('city_seats') }}
),

joined as (
    select
        p.snapshot_date,
        p.file_name,
        p.row_number,
        p.product_id,
        p.product_name,
        p.institution_id,
        p.product_category,
        p.service_targets,
        p.listing_status,
        i.institution_id is not null as institution_in_snapshot,
        i.institution_name,
        i.onboarding_status,
        i.agreement_signed_date,
        i.agreement_expiry_date,
        ci.city_code,
        list_sort(list_distinct(list_transform(string_split(coalesce(p.service_targets, ''), '、'), lambda x: trim(x))))
            as service_target_set
    from products as p
    left join institutions as i on i.snapshot_date = p.snapshot_date and i.institution_id = p.institution_id
    left join cities as ci on ci.city_code = left(i.division_code, 4) || '00'
)

select
    *,
    listing_status = '上架' as is_listed,
    listing_status = '上架' and product_category in ('个人消费贷款', '理财产品') as breaks_category,
    listing_status = '上架' and service_target_set = ['个人'] as breaks_individual_only,
    not institution_in_snapshot as institution_absent,
    listing_status = '上架' and institution_in_snapshot and onboarding_status is distinct from '已入驻'
        as breaks_not_onboarded,
    listing_status = '上架' and institution_in_snapshot
        and (agreement_signed_date is null or agreement_signed_date > snapshot_date) as breaks_agreement_unsigned,
    -- the expiry day itself is still valid (indicators.md Clarification 11); blank = not expired
    listing_status = '上架' and institution_in_snapshot and coalesce(agreement_expiry_date < snapshot_date, false)
        as breaks_agreement_expired
from joined
