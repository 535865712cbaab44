-- One row per de-duplicated credit report query, judged lawful or not (with the reason).
select * from {{ ref('int_credit_queries_judged') }}
