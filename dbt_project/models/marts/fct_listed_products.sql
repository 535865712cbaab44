-- One row per data month x product listed (上架) in the register in force at period end, with the
-- rules it breaks.
select * from {{ ref('int_listed_products_judged') }}
