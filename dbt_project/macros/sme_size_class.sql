{#-
  The size class (微型, 小型, 中型, 大型) of a business by the SME size standard, from the thresholds row `t`
  of int_sme_size_thresholds_parsed joined to it: large when it is not below the SME ceiling, else
  medium when it meets the medium floor, else small when it meets the small floor, else micro. A test
  whose figure is unknown (NULL) leaves the class unknown unless the known figures decide it (SQL's
  three-valued `or` / `and`).
-#}
{% macro sme_size_test(t, test, comparison, employees, revenue, assets) -%}
    case when {{ t }}.{{ test }}_join = 'or' then
        {%- for metric, value in [('employees', employees), ('revenue', revenue), ('assets', assets)] %}
        {% if not loop.first %}or {% endif %}(case when {{ t }}.{{ test }}_{{ metric }} is null then false
            else {{ value }} {{ comparison }} {{ t }}.{{ test }}_{{ metric }} end)
        {%- endfor %}
    else
        {%- for metric, value in [('employees', employees), ('revenue', revenue), ('assets', assets)] %}
        {% if not loop.first %}and {% endif %}(case when {{ t }}.{{ test }}_{{ metric }} is null then true
            else {{ value }} {{ comparison }} {{ t }}.{{ test }}_{{ metric }} end)
        {%- endfor %}
    end
{%- endmacro %}

{% macro sme_size_class(t, employees, revenue, assets) -%}
    case
        when {{ t }}.industry_group is null then null
        when not ({{ sme_size_test(t, 'sme_ceiling', '<', employees, revenue, assets) }}) then '大型'
        when ({{ sme_size_test(t, 'sme_ceiling', '<', employees, revenue, assets) }}) is null then null
        when {{ sme_size_test(t, 'medium_floor', '>=', employees, revenue, assets) }} then '中型'
        when ({{ sme_size_test(t, 'medium_floor', '>=', employees, revenue, assets) }}) is null then null
        when {{ sme_size_test(t, 'small_floor', '>=', employees, revenue, assets) }} then '小型'
        when ({{ sme_size_test(t, 'small_floor', '>=', employees, revenue, assets) }}) is null then null
        else '微型'
    end
{%- endmacro %}
