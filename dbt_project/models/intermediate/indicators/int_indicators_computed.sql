-- Every indicator family's values at every grain it computes, before publication: indicator_values
-- publishes the catalog's grains, rpt_city_breakdowns the city-crossed ones. One formula, one place.
{%- set families = [
    'int_demand_indicators_computed',
    'int_response_indicators_computed',
    'int_overdue_indicators_computed',
    'int_approval_indicators_computed',
    'int_decision_indicators_computed',
    'int_disbursement_indicators_computed',
    'int_register_indicators_computed',
    'int_credit_query_indicators_computed',
    'int_promotion_indicators_computed',
] %}
with
{% for family in families %}
{{ family }} as (
    select indicator_code, period, grain, grain_key, value from {{ ref(family) }}
),
{% endfor %}
final as (
    {%- for family in families %}
    select * from {{ family }}
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
)

select * from final
