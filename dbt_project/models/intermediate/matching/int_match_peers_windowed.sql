-- What happened to the peers of a business in the six months before each date a matching query is asked
-- as of: per industry section × product category, the demands, decisions and approvals of the 182 days
-- before the date (nothing dated on or after it), and the section's demands over every category, so that
-- a feature can say "同行业近6个月获批率" or how often the trade asks for this kind of product.
with

queries as (
    select as_of_date from {{ ref('int_match_queries_profiled') }}
),

outcomes as (
    select * from {{ ref('int_match_outcomes_accumulated') }} where grain in ('peer', 'section')
),

as_of_dates as (
    select distinct as_of_date from queries
),

members as (
    select distinct member_key as industry_section, member_detail as product_category
    from outcomes
    where grain = 'peer'
),

grid as (
    select d.as_of_date, cast(d.as_of_date as timestamp) as as_of_at, m.industry_section, m.product_category
    from as_of_dates as d
    cross join members as m
),

final as (
    select
        g.as_of_date,
        g.industry_section,
        g.product_category,
        {{ records_in_window('peer', 'demands') }} as peer_demands_182d,
        {{ records_in_window('peer', 'decisions') }} as peer_decisions_182d,
        {{ records_in_window('peer', 'approvals') }} as peer_approvals_182d,
        {{ records_in_window('sect', 'demands') }} as section_demands_182d
    from grid as g
    {{ records_between_joins('peer', 'outcomes',
        "@.grain = 'peer' and @.member_key = g.industry_section and @.member_detail = g.product_category",
        'g.as_of_at', 182) }}
    {{ records_between_joins('sect', 'outcomes',
        "@.grain = 'section' and @.member_key = g.industry_section", 'g.as_of_at', 182) }}
)

select * from final
