{#-
  Whether a 上架 product row `p` of a register snapshot may be listed on `on_date` (feeds.md, register:
  a listed product serves 个体工商户 or small and micro enterprises with operating finance, and is listed
  only by an institution that is 已入驻 with an agreement signed and not expired that day; a blank
  协议到期日期 is not expired, indicators.md Clarification 11). `i` is the institution row of the same
  snapshot (left joined: absent is a breach).
-#}
{% macro listing_compliant(p, i, on_date) -%}
    (
        {{ p }}.product_category not in ('个人消费贷款', '理财产品')
        and list_sort(list_distinct(list_transform(
            string_split(coalesce({{ p }}.service_targets, ''), '、'), lambda x: trim(x)))) <> ['个人']
        and {{ i }}.institution_id is not null
        and {{ i }}.onboarding_status = '已入驻'
        and {{ i }}.agreement_signed_date <= {{ on_date }}
        and coalesce({{ i }}.agreement_expiry_date >= {{ on_date }}, true)
    )
{%- endmacro %}
