{#- A threshold of the rule catalog (seed dq_rules, column params = "key=value;key=value"), as a scalar
    subquery, so that the bureau tunes a rule by editing the seed, never the SQL. -#}
{% macro dq_param(rule_code, key, cast_to='double') -%}
    (select try_cast(nullif(trim(regexp_extract(params, '(^|;)\s*{{ key }}\s*=\s*([^;]*)', 2)), '') as {{ cast_to }})
     from {{ ref('dq_rules') }} where rule_code = '{{ rule_code }}')
{%- endmacro %}

{#- The stable id of an alert: the same problem (rule, entity) keeps its id across rebuilds. -#}
{% macro dq_alert_id(rule_code, entity_type, entity_key) -%}
    md5({{ rule_code }} || '|' || {{ entity_type }} || '|' || {{ entity_key }})
{%- endmacro %}
