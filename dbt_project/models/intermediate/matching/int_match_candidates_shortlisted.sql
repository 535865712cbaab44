-- The first stage of matching at the scoring date (docs/matching.md): every enterprise × every product
-- in force that serves its county (products expanded to their counties), kept only where eligible
-- (macro match_eligible), then shortlisted by the cheap score (rules + recent draws, macro
-- match_cheap_score) in one pass: per enterprise its best matching_shortlist_size products and every
-- eligible product listed in the last 90 days, per product its best matching_prospect_pool enterprises
-- (for the prospects list). Ties by product_id / uscc. The model re-ranks these pairs (the cheap score
-- ranks them when there is no model yet).
with

queries as (
    select
        query_id, as_of_date, county_code, entity_type, years_in_business, tax_rank, typical_amount_yuan,
        rules_soundness
    from {{ ref('int_match_queries_profiled') }}
    where query_kind = 'score'
),

products as (
    select * from {{ ref('int_match_products_in_force') }}
),

counties as (
    select snapshot_date, product_id, county_code from {{ ref('int_register_products_countied') }}
),

served as materialized (
    {{ match_served_products('products', 'counties') }}
),

eligible as (
    select
        q.query_id,
        p.product_id,
        {{ match_cheap_score('q', 'p') }} as cheap_score,
        p.is_new
    from queries as q
    inner join served as p on p.as_of_date = q.as_of_date and p.served_county_code = q.county_code
    where {{ match_eligible('q', 'p') }}
),

-- each list element carries its pair and cheap score: the eligible pairs are never read twice
tops as (
    select
        query_id,
        product_id,
        min_by({'query_id': query_id, 'product_id': product_id, 'cheap_score': cheap_score},
            (-cheap_score, product_id), {{ var('matching_shortlist_size') }}) as best_products,
        list({'query_id': query_id, 'product_id': product_id, 'cheap_score': cheap_score})
            filter (where is_new) as new_products,
        min_by({'query_id': query_id, 'product_id': product_id, 'cheap_score': cheap_score},
            (-cheap_score, query_id), {{ var('matching_prospect_pool') }}) as best_enterprises
    from eligible
    group by grouping sets ((query_id), (product_id))
),

pairs as (
    select unnest(list_concat(best_products, coalesce(new_products, []))) as pair
    from tops
    where query_id is not null
    union
    select unnest(best_enterprises)
    from tops
    where product_id is not null
),

final as (
    select 'score' as query_kind, pair.query_id, pair.product_id, pair.cheap_score from pairs
)

select * from final
