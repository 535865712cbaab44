-- The sections A–T of GB/T 4754-2017 (the industry grain's members) with their names, for labels.
with

sections as (
    select * from {{ ref('industry_sections') }}
),

final as (
    select
        section,
        name_zh,
        name_en
    from sections
)

select * from final
