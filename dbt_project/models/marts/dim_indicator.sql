-- The published catalog: one row per base indicator (from the seed, faithful to indicators.md) and one
-- row per growth variant (<code>_MOM, <code>_YOY, <code>_YTD) that indicator_values carries.
with

seed as (
    select * from {{ ref('indicator_catalog') }}
),

variants as (
    select
        s.*,
        trim(v.variant) as variant
    from seed as s,
        unnest(string_split(coalesce(s.growth_variants, ''), ',')) as v(variant)
    where trim(v.variant) <> ''
),

variant_rows as (
    select
        code || '_' || variant as code,
        name_zh || case variant
            when 'MOM' then '环比增长率' when 'YOY' then '同比增长率' else '本年累计' end as name_zh,
        name_en || case variant
            when 'MOM' then ', month-on-month change' when 'YOY' then ', year-on-year change'
            else ', year to date' end as name_en,
        case when variant in ('MOM', 'YOY') then '%' else unit end as unit,
        case variant
            when 'MOM' then code || ' 环比增长率：(本月值 − 上月值) ÷ 上月值 × 100；上月值为 0 或缺失时为空，本月为 0 而上月大于 0 时为 −100。'
            when 'YOY' then code || ' 同比增长率：(本月值 − 上年同月值) ÷ 上年同月值 × 100；上年同月值为 0 或缺失时为空，本月为 0 而上年同月大于 0 时为 −100。'
            else code || ' 本年累计：当年 1 月至本月 ' || code || ' 之和，首个数据月之前的月份按 0 计。'
        end as definition,
        grains,
        case when variant = 'YTD' then additive else 'no' end as additive
    from variants
),

unioned as (
    select code, name_zh, name_en, unit, definition, grains, additive from seed
    union all
    select code, name_zh, name_en, unit, definition, grains, additive from variant_rows
),

final as (
    select
        cast(code as varchar) as code,
        cast(name_zh as varchar) as name_zh,
        cast(name_en as varchar) as name_en,
        cast(unit as varchar) as unit,
        cast(definition as varchar) as definition,
        cast(grains as varchar) as grains,
        cast(additive as varchar) as additive
    from unioned
)

select * from final
