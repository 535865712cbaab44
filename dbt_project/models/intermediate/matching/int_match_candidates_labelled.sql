-- The pairs the model learns from and is measured on (docs/matching.md), each as of its demand's
-- submission: for a training demand, the product it named (its grade) and matching_training_negatives
-- eligible products it did not name (grade 0; a fixed pseudo-random choice by hash); for a held-out
-- demand, every eligible product and the one it named. With what the evaluation needs: eligibility,
-- whether the first stage shortlists it, the rules-only score and the popularity at the cut-off (draws in
-- the 90 days before it), and how many eligible products a sampled negative stands for.
--
-- Built after the first stage, never beside it: each holds tens of millions of eligible pairs in its
-- windows and aggregates, which DuckDB cannot spill; at 10M events the two together did not fit in any
-- memory limit the build could afford (docs/performance.md, "The 10M province").
-- depends_on: {{ ref('int_match_candidates_shortlisted') }}
with

dates as (
    select * from {{ ref('int_match_dates_fixed') }}
),

queries as (
    select
        query_kind, query_id, as_of_date, county_code, entity_type, years_in_business, tax_rank, typical_amount_yuan,
        rules_soundness, named_product_id, grade
    from {{ ref('int_match_queries_profiled') }}
    where query_kind in ('train', 'evaluate')
),

products as (
    select * from {{ ref('int_match_products_in_force') }}
),

counties as (
    select snapshot_date, product_id, county_code from {{ ref('int_register_products_countied') }}
),

outcomes as (
    select * from {{ ref('int_match_outcomes_accumulated') }} where grain = 'product'
),

served as materialized (
    {{ match_served_products('products', 'counties') }}
),

eligible as (
    select
        q.query_kind,
        q.query_id,
        p.product_id,
        p.product_id = q.named_product_id as is_named,
        {{ match_rules_score('q', 'p') }} as rules_score,
        {{ match_cheap_score('q', 'p') }} as cheap_score,
        p.is_new
    from queries as q
    inner join served as p on p.as_of_date = q.as_of_date and p.served_county_code = q.county_code
    where {{ match_eligible('q', 'p') }}
),

ranked as (
    select
        *,
        row_number() over (partition by query_id order by cheap_score desc, product_id)
            <= {{ var('matching_shortlist_size') }} or is_new as in_shortlist,
        row_number() over (
            partition by query_id, is_named order by hash(query_id || '/' || product_id), product_id
        ) as draw_order,
        count(*) filter (where not is_named) over (partition by query_id) as others_count
    from eligible
),

-- a named product outside the eligible set is still a labelled pair (and a miss for every ranking)
named as (
    select q.query_kind, q.query_id, q.named_product_id as product_id
    from queries as q
    left join eligible as e on e.query_id = q.query_id and e.is_named
    where e.query_id is null
),

-- a sampled negative stands for the eligible products it was drawn from (the weight Platt scaling uses)
kept as (
    select
        query_kind,
        query_id,
        product_id,
        true as is_eligible,
        rules_score,
        in_shortlist,
        case
            when is_named or query_kind = 'evaluate' then 1.0
            else others_count / least(others_count, {{ var('matching_training_negatives') }})
        end as sample_weight
    from ranked
    where query_kind = 'evaluate' or is_named or draw_order <= {{ var('matching_training_negatives') }}
    union all
    select query_kind, query_id, product_id, false, null, false, 1.0
    from named
),

popularity as (
    select
        p.product_id,
        {{ records_in_window('o90', 'disbursements') }} as popularity_at_cutoff
    from (select distinct product_id from kept) as p
    cross join dates as d
    {{ records_between_joins('o90', 'outcomes', '@.member_key = p.product_id', 'd.cutoff_as_of', 90) }}
),

final as (
    select
        k.query_kind,
        k.query_id,
        k.product_id,
        k.product_id = q.named_product_id as is_named,
        case when k.product_id = q.named_product_id then q.grade else 0 end as grade,
        k.is_eligible,
        k.in_shortlist,
        k.rules_score,
        k.sample_weight,
        coalesce(po.popularity_at_cutoff, 0) as popularity_at_cutoff
    from kept as k
    inner join queries as q on q.query_id = k.query_id
    left join popularity as po on po.product_id = k.product_id
)

select * from final
