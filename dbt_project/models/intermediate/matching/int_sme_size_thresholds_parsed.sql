-- The SME size standard (seed sme_size_thresholds, ../shared/reference/sme_size_thresholds.csv) as
-- numbers: one row per GB/T 4754 scope prefix ('F51', 'B', 'K701'; '' for 其他未列明行业, which matches
-- every code), with each test's thresholds on employees, revenue and assets (万元) and how its terms join.
-- sme_ceiling: below it a business is small or medium (terms joined by `or`); medium_floor and
-- small_floor: at or above them (terms joined by `and`). Size classes: macro sme_size_class.
with

thresholds as (
    select industry_group, gb4754_scope, sme_ceiling, medium_floor, small_floor
    from {{ ref('sme_size_thresholds') }}
),

scopes as (
    select
        *,
        unnest(
            case when starts_with(gb4754_scope, '(') then [''] else string_split(trim(gb4754_scope), ' ') end
        ) as scope_prefix
    from thresholds
),

final as (
    select
        industry_group,
        upper(trim(scope_prefix)) as scope_prefix,
        {%- for test in ['sme_ceiling', 'medium_floor', 'small_floor'] %}
        {%- for metric in ['employees', 'revenue', 'assets'] %}
        try_cast(regexp_extract({{ test }}, '{{ metric }}\s*(<|>=)\s*([0-9.]+)', 2) as double)
            as {{ test }}_{{ metric }},
        {%- endfor %}
        case when {{ test }} like '% or %' then 'or' else 'and' end as {{ test }}_join,
        {%- endfor %}
        sme_ceiling,
        medium_floor,
        small_floor
    from scopes
)

select * from final
