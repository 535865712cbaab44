{#-
  Matching's rules, written once (docs/matching.md). `q` is a row of int_match_queries_profiled, `p` a
  row of int_match_products_in_force (or of a relation with its columns); the region rule is the join
  to int_register_products_countied. Amounts are DOUBLE yuan on both sides, so that the comparisons of a
  few hundred million pairs stay cheap.
-#}

{#- Eligibility (hard filters): 服务对象 fits the entity type of the USCC (个体工商户: 个体工商户 or 小微企业主;
    企业 and 其他: 小微企业), years in business at least the product's minimum, tax credit grade at least
    its lowest accepted grade, and the typical amount within its range (a blank bound is no bound). What
    the profile does not know (a thin profile: no lawful report) does not exclude. -#}
{% macro match_eligible(q, p) -%}
    (case when {{ q }}.entity_type = '个体工商户' then {{ p }}.serves_individual_businesses
        else {{ p }}.serves_enterprises end)
    and ({{ q }}.years_in_business is null or {{ p }}.min_years_in_business is null
        or {{ q }}.years_in_business >= {{ p }}.min_years_in_business)
    and ({{ q }}.tax_rank is null or {{ p }}.tax_min_rank is null or {{ q }}.tax_rank <= {{ p }}.tax_min_rank)
    and ({{ p }}.min_amount_yuan is null or {{ q }}.typical_amount_yuan >= {{ p }}.min_amount_yuan)
    and ({{ p }}.max_amount_yuan is null or {{ q }}.typical_amount_yuan <= {{ p }}.max_amount_yuan)
{%- endmacro %}

{#- The business's side of the rules-only score: how sound its report is (0 for what it does not say). -#}
{% macro match_soundness(q) -%}
    (
        coalesce(({{ q }}.credit_score - 650) / 100.0, 0)
        - case when {{ q }}.dishonest_executee then 1.0 else 0 end
        - 0.3 * coalesce(least({{ q }}.overdue_24m, 3), 0)
    )
{%- endmacro %}

{#- The rules-only score of a pair: the business's soundness, the tax grades and years it has to spare
    over the product's bars, and how near the middle of the product's range (in log scale) its amount
    is (1 in the middle, 0 at a bound). No learning, no popularity: the baseline of the evaluation and
    the first stage's half. -#}
{% macro match_rules_score(q, p) -%}
    (
        {{ q }}.rules_soundness
        + 0.4 * coalesce(least(coalesce({{ p }}.tax_min_rank, 5) - {{ q }}.tax_rank, 3), 0)
        + 0.2 * coalesce(least(greatest({{ q }}.years_in_business - coalesce({{ p }}.min_years_in_business, 0), 0), 5), 0)
        + case
            when {{ p }}.min_amount_yuan > 0 and {{ p }}.max_amount_yuan > {{ p }}.min_amount_yuan
            then greatest(0.0, 1 - abs(2 * ln({{ q }}.typical_amount_yuan / {{ p }}.min_amount_yuan)
                / ln({{ p }}.max_amount_yuan / {{ p }}.min_amount_yuan) - 1))
            else 0.5
        end
    )
{%- endmacro %}

{#- Draws of the last 90 days at the rate of a full 90 days for a product listed more recently, so that a
    new product is not buried by its short record. -#}
{% macro match_recent_draws(p) -%}
    ({{ p }}.disbursements_90d * 90.0 / greatest(least(coalesce({{ p }}.listed_days, 90), 90), 30))
{%- endmacro %}

{#- The first stage's cheap score: the rules plus the product's recent draws (log scale). -#}
{% macro match_cheap_score(q, p) -%}
    ({{ match_rules_score(q, p) }} + ln(1 + {{ p }}.recent_draws))
{%- endmacro %}

{#- The products in force expanded to the counties they serve, with only what the first stage reads:
    materialized first, so that the join to the businesses is one hash join on (date, county). -#}
{% macro match_served_products(products, counties) -%}
    select
        p.as_of_date,
        c.county_code as served_county_code,
        p.product_id,
        p.product_seq,
        p.serves_enterprises,
        p.serves_individual_businesses,
        p.min_years_in_business,
        p.tax_min_rank,
        p.min_amount_yuan,
        p.max_amount_yuan,
        p.recent_draws,
        p.is_new
    from {{ products }} as p
    inner join {{ counties }} as c on c.snapshot_date = p.snapshot_date and c.product_id = p.product_id
{%- endmacro %}
