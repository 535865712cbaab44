-- The platform's record of the demands that named a product, as running counts over time, for the
-- product features of matching (docs/matching.md): one row per grain member and instant with the
-- demands submitted, decided (first decision), approved (first decision an approval) and first drawn
-- up to and including that instant. Grains: `product` (key product_id), `peer` (industry section ×
-- product category), `section` (industry section, every category). An ASOF join at two instants gives
-- the counts of the window between them.
with

applications as (
    select
        product_id,
        product_category,
        industry_section,
        submitted_at,
        first_decision,
        first_decision_at,
        first_disbursed_at
    from {{ ref('int_applications_summarised') }}
    where product_id is not null
),

happenings as (
    select product_id, product_category, industry_section, submitted_at as happened_at,
        1 as demands, 0 as decisions, 0 as approvals, 0 as disbursements
    from applications
    union all
    select product_id, product_category, industry_section, first_decision_at,
        0, 1, case when first_decision = 'approved' then 1 else 0 end, 0
    from applications
    where first_decision_at is not null
    union all
    select product_id, product_category, industry_section, first_disbursed_at, 0, 0, 0, 1
    from applications
    where first_disbursed_at is not null
),

per_instant as (
    select 'product' as grain, product_id as member_key, '' as member_detail, happened_at,
        sum(demands) as demands, sum(decisions) as decisions, sum(approvals) as approvals,
        sum(disbursements) as disbursements
    from happenings
    group by product_id, happened_at
    union all
    select 'peer', industry_section, product_category, happened_at,
        sum(demands), sum(decisions), sum(approvals), sum(disbursements)
    from happenings
    where industry_section is not null and product_category is not null
    group by industry_section, product_category, happened_at
    union all
    select 'section', industry_section, '', happened_at,
        sum(demands), sum(decisions), sum(approvals), sum(disbursements)
    from happenings
    where industry_section is not null
    group by industry_section, happened_at
),

final as (
    select
        grain,
        member_key,
        member_detail,
        happened_at,
        {%- for measure in ['demands', 'decisions', 'approvals', 'disbursements'] %}
        cast(sum({{ measure }}) over running as bigint) as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from per_instant
    window running as (
        partition by grain, member_key, member_detail order by happened_at
        rows between unbounded preceding and current row
    )
)

select * from final
