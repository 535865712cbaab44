{#-
    The one mechanism that takes an indicator from its population to every grain.

    grain_columns(): the column of a population row that holds each grain's key. Every population
    (a CTE with one row per counted thing, a `period` column and these key columns, NULL where the row
    has no member of that grain) is rolled up by rollup_indicators().
-#}
{% macro grain_columns() -%}
    {{ return({
        'province': 'province_code',
        'city': 'city_code',
        'county': 'county_code',
        'institution': 'institution_id',
        'product_category': 'product_category',
        'entity_type': 'entity_type',
        'industry': 'industry_section',
    }) }}
{%- endmacro %}

{% macro all_grains() -%}
    {{ return(['province', 'city', 'county', 'institution', 'product_category', 'entity_type', 'industry']) }}
{%- endmacro %}

{#-
    rollup_indicators(population, measures, grains)
      population: the name of a CTE / relation with `period` and the key columns of `grains`
      measures:   list of [indicator_code, aggregate SQL expression] — each indicator's logic, once
      grains:     the grains to compute (the catalog decides which (code, grain) pairs are published)
    Returns a SELECT of (indicator_code, period, grain, grain_key, value DOUBLE), one row per code and
    non-empty (period, grain member); a NULL key (no member of that grain) is left out.
-#}
{% macro rollup_indicators(population, measures, grains) -%}
    {%- set cols = grain_columns() -%}
    select
        m.indicator_code,
        r.period,
        r.grain,
        r.grain_key,
        cast(m.value as double) as value
    from (
        select
            period,
            case
                {%- for g in grains %}
                when grouping({{ cols[g] }}) = 0 then '{{ g }}'
                {%- endfor %}
            end as grain,
            case
                {%- for g in grains %}
                when grouping({{ cols[g] }}) = 0 then cast({{ cols[g] }} as varchar)
                {%- endfor %}
            end as grain_key,
            [
                {%- for code, expr in measures %}
                {'indicator_code': '{{ code }}', 'value': cast(({{ expr }}) as double)}{{ ',' if not loop.last }}
                {%- endfor %}
            ] as measure_values
        from {{ population }}
        group by grouping sets (
            {%- for g in grains %}
            (period, {{ cols[g] }}){{ ',' if not loop.last }}
            {%- endfor %}
        )
    ) as r,
    unnest(r.measure_values) as u(m)
    where r.grain_key is not null
{%- endmacro %}

{#- percent share: 100 * numerator / denominator, NULL where the denominator is 0 -#}
{% macro pct(numerator, denominator) -%}
    (100.0 * ({{ numerator }}) / nullif(({{ denominator }}), 0))
{%- endmacro %}
