{#- The city of a county-level code (a county_code, a subject's county, an institution's division_code):
    its first four digits + '00', only when that is one of the 11 cities of seed city_seats; else NULL
    (the row then counts in the province and the grains that do not depend on geography only:
    dbt_project/README.md decision 5, indicators.md Clarification 11 for an absent institution). -#}
{% macro city_of(code) -%}
    case
        when left({{ code }}, 4) || '00' in (select city_code from {{ ref('city_seats') }})
            then left({{ code }}, 4) || '00'
    end
{%- endmacro %}
