-- Each product that may be recommended on each date a matching query is asked as of: 上架 in the register
-- in force on that date (the latest snapshot dated on or before it) and compliant with the listing rules
-- on that date (macro listing_breaks, as int_register_products_judged judges them). With what
-- eligibility reads (服务对象, amount range, minimum years, lowest accepted tax grade) and the product's
-- record before that date: demands, approval rate and draws of the demands that named it
-- (int_match_outcomes_accumulated, nothing dated on or after it).
with

queries as (
    select as_of_date from {{ ref('int_match_queries_profiled') }}
),

products as (
    select * from {{ ref('stg_register__products') }}
),

institutions as (
    select * from {{ ref('stg_register__institutions') }}
),

outcomes as (
    select * from {{ ref('int_match_outcomes_accumulated') }} where grain = 'product'
),

counties as (
    select snapshot_date, product_id from {{ ref('int_register_products_countied') }}
),

coverage as (
    select snapshot_date, product_id, count(*) as counties_served
    from counties
    group by snapshot_date, product_id
),

as_of_dates as (
    select distinct as_of_date from queries
),

snapshot_dates as (
    select distinct snapshot_date from products
    union
    select distinct snapshot_date from institutions
),

in_force as (
    select d.as_of_date, max(s.snapshot_date) as snapshot_date
    from as_of_dates as d
    inner join snapshot_dates as s on s.snapshot_date <= d.as_of_date
    group by d.as_of_date
),

joined as (
    select
        f.as_of_date,
        cast(f.as_of_date as timestamp) as as_of_at,
        f.snapshot_date,
        p.product_id,
        p.product_name,
        p.institution_id,
        i.institution_name,
        i.institution_type,
        p.product_category,
        p.service_targets,
        {{ service_target_set('p.service_targets') }} as service_target_set,
        p.listing_status = '上架' as is_listed,
        i.institution_id is not null as institution_in_snapshot,
        i.onboarding_status,
        i.agreement_signed_date,
        i.agreement_expiry_date,
        cast(p.min_amount_yuan as double) as min_amount_yuan,
        cast(p.max_amount_yuan as double) as max_amount_yuan,
        p.max_term_months,
        p.rate_floor_pct,
        p.rate_cap_pct,
        p.guarantee_type,
        p.applicable_regions,
        cast(p.min_years_in_business as double) as min_years_in_business,
        p.tax_credit_min_grade,
        case p.tax_credit_min_grade when 'A' then 1 when 'B' then 2 when 'M' then 3 when 'C' then 4 when 'D' then 5 end
            as tax_min_rank,
        p.listed_date,
        p.delisted_date
    from in_force as f
    inner join products as p on p.snapshot_date = f.snapshot_date
    left join institutions as i on i.snapshot_date = f.snapshot_date and i.institution_id = p.institution_id
),

-- the listing rules on the as-of date itself (macro listing_breaks, as int_register_products_judged)
judged as (
    select
        *,
        {{ listing_breaks('as_of_date') }}
    from joined
),

listed as (
    select * exclude (is_listed, institution_in_snapshot, onboarding_status, agreement_signed_date,
        agreement_expiry_date, breaks_category, breaks_individual_only, breaks_institution_absent,
        breaks_not_onboarded, breaks_agreement_unsigned, breaks_agreement_expired)
    from judged
    where is_listed
        and not ({{ listing_is_violation() }})
        and (listed_date is null or listed_date <= as_of_date)
        and (delisted_date is null or delisted_date > as_of_date)
),

windowed as (
    select
        l.* exclude (service_target_set),
        list_contains(l.service_target_set, '小微企业') as serves_enterprises,
        list_contains(l.service_target_set, '个体工商户') or list_contains(l.service_target_set, '小微企业主')
            as serves_individual_businesses,
        c.counties_served,
        date_diff('day', l.listed_date, l.as_of_date) as listed_days,
        {{ records_in_window('o90', 'disbursements') }} as disbursements_90d,
        {{ records_in_window('o182', 'demands') }} as demands_182d,
        {{ records_in_window('o182', 'decisions') }} as decisions_182d,
        {{ records_in_window('o182', 'approvals') }} as approvals_182d
    from listed as l
    left join coverage as c on c.snapshot_date = l.snapshot_date and c.product_id = l.product_id
    {{ records_between_joins('o90', 'outcomes', '@.member_key = l.product_id', 'l.as_of_at', 90) }}
    {{ records_between_joins('o182', 'outcomes', '@.member_key = l.product_id', 'l.as_of_at', 182) }}
),

final as (
    select
        *,
        -- a dense number per product, so that the matching assets carry integers, not strings
        dense_rank() over (order by product_id) as product_seq,
        {{ match_recent_draws('windowed') }} as recent_draws,
        -- listed within the last 90 days: always shortlisted, so that a new product can rank at all
        coalesce(listed_days < 90, false) as is_new
    from windowed
)

select * from final
