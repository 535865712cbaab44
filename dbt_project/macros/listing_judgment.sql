{#- The listing rules of feeds.md (register) and indicators.md Clarification 11, written once: the breaks_*
    columns of a product row joined to its snapshot's institution row, judged on `judged_on`. The row
    carries is_listed (上架), product_category, service_target_set (macro service_target_set),
    institution_in_snapshot, onboarding_status, agreement_signed_date, agreement_expiry_date. Read by
    int_register_products_judged (snapshot dates, month ends) and int_match_products_in_force (matching's
    as-of dates). -#}
{% macro listing_breaks(judged_on='judged_on') -%}
    is_listed and product_category in ('个人消费贷款', '理财产品') as breaks_category,
    is_listed and service_target_set = ['个人'] as breaks_individual_only,
    is_listed and not institution_in_snapshot as breaks_institution_absent,
    is_listed and institution_in_snapshot and onboarding_status is distinct from '已入驻' as breaks_not_onboarded,
    is_listed and institution_in_snapshot and (agreement_signed_date is null or agreement_signed_date > {{ judged_on }})
        as breaks_agreement_unsigned,
    -- the expiry day itself is still valid (indicators.md Clarification 11); blank = not expired
    is_listed and institution_in_snapshot and agreement_expiry_date < {{ judged_on }} as breaks_agreement_expired
{%- endmacro %}

{% macro listing_is_violation() -%}
    breaks_category or breaks_individual_only or breaks_institution_absent or breaks_not_onboarded
        or breaks_agreement_unsigned or coalesce(breaks_agreement_expired, false)
{%- endmacro %}

{#- 服务对象 as a sorted list of distinct targets ('小微企业、个体工商户' → ['个体工商户', '小微企业']). -#}
{% macro service_target_set(targets) -%}
    list_sort(list_distinct(list_transform(string_split(coalesce({{ targets }}, ''), '、'), lambda x: trim(x))))
{%- endmacro %}
