-- Every pair the model scores, learns from or is measured on, with its features (docs/matching.md,
-- "Features"), each as of its query's instant: the profile's, the product's and the peers'. Read in
-- batches by the matching assets (pipelines/defs/matching); a view, so that it is never written out.
-- The profile's and the product's own facts, which the reasons (推荐理由) quote, are read from their models.
with

shortlisted as (
    select query_kind, query_seq, product_seq from {{ ref('int_match_candidates_shortlisted') }}
),

labelled as (
    select * from {{ ref('int_match_candidates_labelled') }}
),

queries as (
    select * from {{ ref('int_match_queries_profiled') }}
),

products as (
    select * from {{ ref('int_match_products_in_force') }}
),

peers as (
    select * from {{ ref('int_match_peers_windowed') }}
),

-- the scoring date's shortlist by number, the labelled pairs by id (a named product not in force on its
-- demand's date has no features and is left out here: it stays a miss in the evaluation's counts)
candidates as (
    select
        s.query_seq, s.product_seq, null::integer as grade, true as is_eligible, true as in_shortlist,
        null::double as rules_score, 1.0 as sample_weight, null::bigint as popularity_at_cutoff
    from shortlisted as s
    union all
    select
        q.query_seq, p.product_seq, l.grade, l.is_eligible, l.in_shortlist, l.rules_score, l.sample_weight,
        l.popularity_at_cutoff
    from labelled as l
    inner join queries as q on q.query_kind = l.query_kind and q.query_id = l.query_id
    inner join products as p on p.as_of_date = q.as_of_date and p.product_id = l.product_id
),

final as (
    select
        q.query_kind,
        q.query_id,
        q.query_seq,
        q.uscc,
        p.product_id,
        p.product_seq,
        c.grade,
        c.is_eligible,
        c.in_shortlist,
        c.rules_score,
        {{ match_cheap_score('q', 'p') }} as cheap_score,
        c.sample_weight,
        c.popularity_at_cutoff,
        q.is_thin,
        -- the features, in the model's order
        q.years_in_business as f_years_in_business,
        q.size_rank as f_size_rank,
        q.tax_rank as f_tax_rank,
        case when q.is_thin then null
            else (coalesce(q.dishonest_executee, false) or coalesce(q.enforcement_cases, 0) > 0)::integer
        end as f_judicial,
        q.penalties_3y as f_penalties,
        q.leverage as f_leverage,
        q.overdue_24m as f_overdue_24m,
        q.credit_score as f_credit_score,
        q.past_demands as f_past_demands,
        q.past_approved as f_past_approved,
        case q.entity_type when '企业' then 1 when '个体工商户' then 2 else 3 end as f_entity_type,
        case p.product_category
            when '信用贷款' then 1 when '担保贷款' then 2 when '抵押贷款' then 3 when '质押贷款' then 4
            when '供应链金融' then 5 when '票据融资' then 6 else 7
        end as f_category,
        p.recent_draws as f_product_draws_90d,
        p.approvals_182d / nullif(p.decisions_182d, 0) as f_product_approval_rate,
        p.listed_days as f_product_listed_days,
        p.counties_served as f_counties_served,
        coalesce(p.tax_min_rank, 5) - q.tax_rank as f_tax_margin,
        q.years_in_business - coalesce(p.min_years_in_business, 0) as f_years_margin,
        ln(q.typical_amount_yuan / nullif(p.max_amount_yuan, 0)) as f_amount_position,
        q.assets_wan * 10000 / nullif(q.typical_amount_yuan, 0) as f_collateral_cover,
        pe.peer_approvals_182d / nullif(pe.peer_decisions_182d, 0) as f_peer_approval_rate,
        pe.peer_demands_182d / nullif(pe.section_demands_182d, 0) as f_peer_demand_share,
        -- what a reason quotes that neither the profile nor the product holds
        pe.peer_decisions_182d
    from candidates as c
    inner join queries as q on q.query_seq = c.query_seq
    inner join products as p on p.as_of_date = q.as_of_date and p.product_seq = c.product_seq
    left join peers as pe
        on pe.as_of_date = q.as_of_date and pe.industry_section = q.industry_section
        and pe.product_category = p.product_category
)

select * from final
