-- Rule family "compliance": listing rules per product (every snapshot showing the breach), credit
-- reports queried without a lawful authorization per (institution, enterprise) — "who queried whom
-- without consent" — and demands left unanswered beyond the response limit, per institution.
with

listings as (
    select * from {{ ref('dq_product_listings') }}
),

credit_queries as (
    select * from {{ ref('fct_credit_queries') }}
),

applications as (
    select * from {{ ref('fct_applications') }}
),

institutions as (
    select * from {{ ref('dim_institution') }}
),

today as (
    select * from {{ ref('dq_data_today') }}
),

listed as (
    select * from listings where is_listed
),

listing_breaches as (
    select 'product_category_not_allowed' as rule_code, *, '产品类别为 ' || product_category || '，不属于经营性融资' as why
    from listed where breaks_category
    union all by name
    select 'product_individual_only' as rule_code, *, '服务对象仅为个人（' || service_targets || '）' as why from listed where breaks_individual_only
    union all by name
    select 'institution_not_onboarded' as rule_code, *, '机构 ' || institution_id || ' 入驻状态为 ' || coalesce(onboarding_status, '空') as why
    from listed where breaks_not_onboarded
    union all by name
    select 'agreement_unsigned' as rule_code, *, '机构 ' || institution_id || ' 协议未签署（协议签署日期 '
        || coalesce(strftime(agreement_signed_date, '%Y-%m-%d'), '空') || '）' as why
    from listed where breaks_agreement_unsigned
    union all by name
    select 'agreement_expired' as rule_code, *, '机构 ' || institution_id || ' 协议已于 ' || strftime(agreement_expiry_date, '%Y-%m-%d') || ' 到期' as why
    from listed where breaks_agreement_expired
),

products as (
    select
        rule_code,
        'product' as entity_type,
        product_id as entity_key,
        arg_max(city_code, snapshot_date) as city_code,
        cast(min(snapshot_date) as timestamp) as first_seen,
        cast(max(snapshot_date) as timestamp) as last_seen,
        count(distinct snapshot_date) as occurrences,
        '产品 ' || product_id || '（' || arg_max(product_name, snapshot_date) || '）上架违规：' || arg_max(why, snapshot_date)
            || '；见于 ' || count(distinct snapshot_date) || ' 期名录（' || strftime(min(snapshot_date), '%Y-%m-%d') || ' 至 '
            || strftime(max(snapshot_date), '%Y-%m-%d') || '）' as detail
    from listing_breaches
    group by rule_code, product_id
),

queries as (
    select * from credit_queries where not is_lawful
),

unlawful as (
    select
        'unlawful_credit_queries' as rule_code,
        'institution_enterprise' as entity_type,
        institution_id || '>' || uscc as entity_key,
        arg_max(city_code, queried_at) as city_code,
        min(queried_at) as first_seen,
        max(queried_at) as last_seen,
        count(*) as occurrences,
        '机构 ' || institution_id || ' 在无有效授权的情况下查询企业 ' || uscc || ' 的征信报告 ' || count(*) || ' 次（'
            || string_agg(distinct unlawful_reason, '、' order by unlawful_reason) || '）' as detail
    from queries
    group by institution_id, uscc
),

-- overdue demands at the data's today (R04 read at "now"): submitted, no accepted / rejected / withdrawn,
-- response deadline day before today; the institution is the product's (indicators.md Clarification 7),
-- demands without a product have none. An institution is alerted when its overdue demands are both
-- many and a large share of its demands already due, so the usual few stragglers raise nothing.
due as (
    select
        a.product_institution_id as institution_id,
        a.application_id,
        a.response_deadline_at,
        a.first_answer_at is null as is_overdue
    from applications as a
    cross join today as t
    where a.product_institution_id is not null and a.response_deadline_date < t.data_today
),

overdue_by_institution as (
    select
        institution_id,
        count(*) filter (where is_overdue) as overdue,
        count(*) as due_demands,
        min(response_deadline_at) filter (where is_overdue) as first_deadline,
        max(response_deadline_at) filter (where is_overdue) as last_deadline
    from due
    group by institution_id
),

overdue as (
    select
        'demands_unanswered_overdue' as rule_code,
        'institution' as entity_type,
        o.institution_id as entity_key,
        i.city_code,
        o.first_deadline as first_seen,
        o.last_deadline as last_seen,
        o.overdue as occurrences,
        '机构 ' || o.institution_id || ' 有 ' || o.overdue || ' 笔融资需求超过 3 个工作日响应时限仍未响应，占其已到期需求 '
            || o.due_demands || ' 笔的 ' || round(100.0 * o.overdue / o.due_demands, 1) || '%' as detail
    from overdue_by_institution as o
    left join institutions as i on i.institution_id = o.institution_id
    where o.overdue >= {{ dq_param('demands_unanswered_overdue', 'min_overdue') }}
        and 100.0 * o.overdue / o.due_demands >= {{ dq_param('demands_unanswered_overdue', 'min_share_pct') }}
),

final as (
    select * from products
    union all by name
    select * from unlawful
    union all by name
    select * from overdue
)

select * from final
