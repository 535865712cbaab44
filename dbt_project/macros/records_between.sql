{#-
  The counts of int_match_outcomes_accumulated for one grain member in the window [as_of − days, as_of):
  two ASOF joins on the running counts (at the window's end and at its start), subtracted. Emits the
  join clauses; `alias` prefixes the two joined copies, `measures` are then read as
  {{ records_in_window(alias, measure) }}.
-#}
{% macro records_between_joins(alias, timeline, key_condition, as_of, days) -%}
    asof left join {{ timeline }} as {{ alias }}_end
        on {{ key_condition | replace('@', alias ~ '_end') }} and {{ as_of }} > {{ alias }}_end.happened_at
    asof left join {{ timeline }} as {{ alias }}_start
        on {{ key_condition | replace('@', alias ~ '_start') }}
        and {{ as_of }} - to_days({{ days }}) > {{ alias }}_start.happened_at
{%- endmacro %}

{% macro records_in_window(alias, measure) -%}
    (coalesce({{ alias }}_end.{{ measure }}, 0) - coalesce({{ alias }}_start.{{ measure }}, 0))
{%- endmacro %}
