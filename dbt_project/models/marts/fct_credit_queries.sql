-- One row per de-duplicated credit report query, judged lawful or not (with the reason).
with

credit_queries as (
    select * from {{ ref('int_credit_queries_judged') }}
),

final as (
    select * from credit_queries
)

select * from final
