{#-
    The one mechanism that takes an indicator from its population to every grain.

    grain_columns(): the column of a population row that holds each grain's key. Every population
    (a CTE with one row per counted thing, a `period` column and these key columns, NULL where the row
    has no member of that grain) is rolled up by rollup_indicators(). The promotion family's grains
    (docs/promotion.md): issuer_type (the 贷款码's issuer type GOV…PLAT, published) and qr_code (one loan code:
    never in the catalog, so never in indicator_values; read by marts.rpt_promotion_codes).
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
        'issuer_type': 'issuer_type',
        'qr_code': 'qr_code_id',
    }) }}
{%- endmacro %}

{#- the key columns of the "all" grains (indicators.md), for a population's select list -#}
{% macro grain_key_columns() -%}
    {%- set cols = grain_columns() -%}
    {%- for g in all_grains() %}{{ cols[g] }}{{ ', ' if not loop.last }}{% endfor -%}
{%- endmacro %}

{% macro all_grains() -%}
    {{ return(['province', 'city', 'county', 'institution', 'product_category', 'entity_type', 'industry']) }}
{%- endmacro %}

{#-
    City-crossed grains ('city/<grain>', key '<city_code>|<member>'): a city office reads its own
    institutions, product categories, entity types and industries. indicators.md publishes those grains
    province-wide only, so these never reach indicator_values; marts.rpt_city_breakdowns publishes them,
    computed by the same formulas in the same GROUPING SETS.
-#}
{% macro city_crossed_grains(members=['institution', 'product_category', 'entity_type', 'industry']) -%}
    {%- set crossed = [] -%}
    {%- for member in members %}{% do crossed.append('city/' ~ member) %}{% endfor -%}
    {{ return(crossed) }}
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
    {#- composite grains first, so that a grouping set with both columns is not read as either one -#}
    {%- set composite, single = [], [] -%}
    {%- for g in grains %}{% do (composite if '/' in g else single).append(g) %}{% endfor -%}
    {%- set ordered = composite + single -%}
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
                {%- for g in ordered %}
                when {% for part in g.split('/') %}grouping({{ cols[part] }}) = 0{{ ' and ' if not loop.last }}{% endfor %} then '{{ g }}'
                {%- endfor %}
            end as grain,
            case
                {%- for g in ordered %}
                when {% for part in g.split('/') %}grouping({{ cols[part] }}) = 0{{ ' and ' if not loop.last }}{% endfor %}
                    then {% for part in g.split('/') %}cast({{ cols[part] }} as varchar){{ " || '|' || " if not loop.last }}{% endfor %}
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
            (period, {% for part in g.split('/') %}{{ cols[part] }}{{ ', ' if not loop.last }}{% endfor %}){{ ',' if not loop.last }}
            {%- endfor %}
        )
    ) as r,
    unnest(r.measure_values) as u(m)
    where r.grain_key is not null
{%- endmacro %}

{#-
    ratio_denominator(code): the name of a ratio indicator's denominator component. A family that
    computes a ratio (a %, or the mean R02) also rolls up its denominator as the measure '<code>__denominator'
    at the same grains, in the same GROUPING SETS: rpt_indicator_attribution weighs the members by it. Not
    in the catalog, so never published in indicator_values.
-#}
{% macro ratio_denominator(code) -%}
    {{ return(code ~ '__denominator') }}
{%- endmacro %}

{#- percent share: 100 * numerator / denominator, NULL where the denominator is 0 -#}
{% macro pct(numerator, denominator) -%}
    (100.0 * ({{ numerator }}) / nullif(({{ denominator }}), 0))
{%- endmacro %}
