-- Every comparison written in the SME size standard was read into a number (int_sme_size_thresholds_parsed):
-- a threshold the parser missed would silently drop out of the size class. Ceilings compare with `<`,
-- floors with `>=` (macro sme_size_class relies on it).
with

parsed as (
    select * from {{ ref('int_sme_size_thresholds_parsed') }}
),

counted as (
    {%- for test in ['sme_ceiling', 'medium_floor', 'small_floor'] %}
    select
        scope_prefix,
        '{{ test }}' as test,
        {{ test }} as written,
        length(regexp_extract_all({{ test }}, '(<|>=)')) as comparisons,
        length(regexp_extract_all({{ test }}, '{{ "<" if test == "sme_ceiling" else ">=" }}')) as expected_operators,
        ({{ test }}_employees is not null)::int + ({{ test }}_revenue is not null)::int
            + ({{ test }}_assets is not null)::int as numbers
    from parsed
    {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select * from counted where comparisons <> numbers or expected_operators <> comparisons
