-- Rule family "consistency": a product whose institution is missing from its register snapshot, demands
-- whose amounts are far outside their product's range, months without a known working-day calendar.
with

listings as (
    select * from {{ ref('dq_product_listings') }}
),

register_products as (
    select * from {{ ref('stg_register__products') }}
),

events as (
    select * from {{ ref('fct_application_events') }}
),

applications as (
    select * from {{ ref('fct_applications') }}
),

calendar_days as (
    select * from {{ ref('dim_date') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

institution_missing as (
    select
        'product_institution_missing' as rule_code,
        'product' as entity_type,
        product_id as entity_key,
        -- an institution absent from its snapshot has no city (indicators.md Clarification 11)
        cast(null as varchar) as city_code,
        cast(min(snapshot_date) as timestamp) as first_seen,
        cast(max(snapshot_date) as timestamp) as last_seen,
        count(distinct snapshot_date) as occurrences,
        '产品 ' || product_id || '（' || arg_max(product_name, snapshot_date) || '）的机构编码 ' || arg_max(institution_id, snapshot_date)
            || ' 不在同期名录的机构表中；见于 ' || count(distinct snapshot_date) || ' 期名录' as detail
    from listings
    where not institution_in_snapshot
    group by product_id
),

-- the product's range as described by the latest snapshot listing it (indicators.md Clarification 14)
ranges as (
    select product_id, min_amount_yuan, max_amount_yuan
    from register_products
    qualify row_number() over (partition by product_id order by snapshot_date desc, row_number) = 1
),

amount_events as (
    select
        e.application_id,
        e.event_id,
        e.event_type,
        e.event_time,
        e.amount_yuan,
        a.city_code,
        a.product_id,
        r.min_amount_yuan,
        r.max_amount_yuan
    from events as e
    inner join applications as a on a.application_id = e.application_id
    inner join ranges as r on r.product_id = a.product_id
    where e.amount_yuan is not null
),

out_of_range as (
    select * from amount_events
    -- asking for less than a product's minimum is ordinary; far beyond its maximum, or a tiny fraction of
    -- its minimum, reads as a unit slip (元 for 万元) or a typo
    where amount_yuan > max_amount_yuan * {{ dq_param('amount_out_of_product_range', 'above_max_factor') }}
        or amount_yuan * {{ dq_param('amount_out_of_product_range', 'below_min_factor') }} < min_amount_yuan
),

amounts as (
    select
        'amount_out_of_product_range' as rule_code,
        'application' as entity_type,
        application_id as entity_key,
        any_value(city_code) as city_code,
        min(event_time) as first_seen,
        max(event_time) as last_seen,
        count(*) as occurrences,
        '融资需求 ' || application_id || ' 的 ' || count(*) || ' 个事件金额远超产品 ' || any_value(product_id) || ' 的额度范围（'
            || (any_value(min_amount_yuan) / 10000) || '–' || (any_value(max_amount_yuan) / 10000) || ' 万元），如 '
            || arg_max(event_type, event_time) || ' ' || (arg_max(amount_yuan, event_time) / 10000) || ' 万元' as detail
    from out_of_range
    group by application_id
),

unknown_days as (
    select period, count(*) filter (where not calendar_known) as unknown_days
    from calendar_days
    group by period
),

calendar as (
    select
        'calendar_unknown' as rule_code,
        'month' as entity_type,
        m.period as entity_key,
        cast(null as varchar) as city_code,
        cast(m.month_start as timestamp) as first_seen,
        cast(m.month_last_day as timestamp) as last_seen,
        cast(coalesce(d.unknown_days, 0) as bigint) as occurrences,
        '数据月份 ' || m.period || ' 的工作日历未知（' || coalesce(d.unknown_days, 0)
            || ' 天按周一至周五推算）：响应时限与超时指标可能不准，请在 calendar_overrides 中补录当年节假日与调休' as detail
    from months as m
    left join unknown_days as d on d.period = m.period
    where not m.calendar_known
),

final as (
    select * from institution_missing
    union all by name
    select * from amounts
    union all by name
    select * from calendar
)

select * from final
