{#- The daily increment (docs/performance.md): the incremental models int_applications_checked,
    int_applications_summarised, fct_application_events and fct_applications keep every application's rows
    but those of int_applications_touched, which they delete (pre-hook `delete_touched_applications`) and
    compute again (`where {{ only_touched_applications('application_id') }}` in their incremental run).
    A full refresh (`dbt build --full-refresh`, a first build) computes every application. -#}
{% macro only_touched_applications(column) -%}
    {%- if is_incremental() -%}
        {{ column }} in (select application_id from {{ ref('int_applications_touched') }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{% macro delete_touched_applications() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where application_id in (select application_id from {{ ref('int_applications_touched') }})
    {%- endif -%}
{%- endmacro %}
