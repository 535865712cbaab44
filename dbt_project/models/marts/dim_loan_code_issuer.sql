-- The 贷款码 issuer types (feeds.md; seed loan_code_issuers): the members of the issuer_type grain, with
-- their Chinese label and display order, for the 推广 page and the reports.
with

issuers as (
    select * from {{ ref('loan_code_issuers') }}
),

final as (
    select
        issuer_type,
        name_zh,
        name_en,
        sort_order
    from issuers
)

select * from final
