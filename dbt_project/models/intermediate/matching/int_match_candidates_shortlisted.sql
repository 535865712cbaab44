-- The first stage of matching at the scoring date (docs/matching.md): every enterprise × every product
-- in force that serves its county (products expanded to their counties), kept only where eligible
-- (macro match_eligible), then shortlisted by the cheap score (rules + recent draws, macro
-- match_cheap_score) in one pass: per enterprise its best matching_shortlist_size products and every
-- eligible product listed in the last 90 days, per product its best matching_prospect_pool enterprises
-- (for the prospects list). Ties by product_id / uscc. The model re-ranks these pairs (the cheap score
-- ranks them when there is no model yet).
--
-- For speed at the scale of the bench (300,000 enterprises × 2,000 products: ~80M eligible pairs) the pairs
-- are integers (query_seq, product_seq) and each top-N is one max_by over a BIGINT key: the cheap score
-- in micro-units, then the other side's number reversed (so that a tie goes to the lower id). A struct key
-- or a window over the pairs was 3× slower and 4× larger (docs/matching.md, "Speed").
with

queries as (
    select
        query_seq, as_of_date, county_code, entity_type, years_in_business, tax_rank, typical_amount_yuan,
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
        q.query_seq,
        p.product_seq,
        p.is_new,
        -- the tie-break keys: score first, then the lower number (seq < 2^20 products, < 2^24 queries)
        (cast(round({{ match_cheap_score('q', 'p') }} * 1000000) as bigint) + 100000000000) as score_micro
    from queries as q
    inner join served as p on p.as_of_date = q.as_of_date and p.served_county_code = q.county_code
    where {{ match_eligible('q', 'p') }}
),

best_products as (
    select
        query_seq,
        max_by(product_seq, score_micro * 1048576 + (1048575 - product_seq), {{ var('matching_shortlist_size') }})
            as products,
        list(product_seq) filter (where is_new) as new_products
    from eligible
    group by query_seq
),

best_enterprises as (
    select
        product_seq,
        max_by(query_seq, score_micro * 16777216 + (16777215 - query_seq), {{ var('matching_prospect_pool') }})
            as enterprises
    from eligible
    group by product_seq
),

pairs as (
    select query_seq, unnest(list_concat(products, coalesce(new_products, []))) as product_seq
    from best_products
    union
    select unnest(enterprises) as query_seq, product_seq
    from best_enterprises
),

final as (
    select 'score' as query_kind, query_seq, product_seq from pairs
)

select * from final
