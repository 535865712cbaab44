-- One row per 贷款码 × data month from the month of its first demand on: P01–P08 of that one code (the
-- qr_code grain of int_promotion_indicators_computed: the same populations and formulas as the published
-- P codes), its issuer type and place, its latest demand so far, and its rank among the active codes of its
-- city that month — rank_top 1 = the code whose demands ended in the most loans (P04, then P01, then P05),
-- rank_bottom 1 = the fewest (docs/promotion.md). Provincial codes (no city) are ranked among themselves.
with

computed as (
    select indicator_code, period, grain_key as qr_code_id, value
    from {{ ref('int_indicators_computed') }}
    where grain = 'qr_code'
),

codes as (
    select * from {{ ref('int_loan_codes_resolved') }}
),

issuers as (
    select issuer_type, name_zh from {{ ref('loan_code_issuers') }}
),

divisions as (
    select code, name from {{ ref('divisions') }}
),

cities as (
    select city_code, city_name from {{ ref('city_seats') }}
),

per_code as (
    select
        period,
        qr_code_id,
        coalesce(max(value) filter (where indicator_code = 'P01'), 0) as demands,
        coalesce(max(value) filter (where indicator_code = 'P02'), 0) as accepted,
        coalesce(max(value) filter (where indicator_code = 'P03'), 0) as approved,
        coalesce(max(value) filter (where indicator_code = 'P04'), 0) as disbursed,
        coalesce(max(value) filter (where indicator_code = 'P05'), 0) as disbursed_amount_wan,
        max(value) filter (where indicator_code = 'P06') as conversion_pct,
        coalesce(max(value) filter (where indicator_code = 'P07'), 0) = 1 as is_active,
        coalesce(max(value) filter (where indicator_code = 'P08'), 0) = 1 as is_dormant
    from computed
    group by period, qr_code_id
),

with_latest as (
    select
        p.*,
        max(case when p.is_active then cast(p.period || '-01' as date) end) over (
            partition by p.qr_code_id order by p.period rows between unbounded preceding and current row
        ) as last_demand_month,
        cast(p.period || '-01' as date) as month_start
    from per_code as p
),

described as (
    select
        w.period,
        w.qr_code_id,
        c.issuer_type,
        i.name_zh as issuer_name,
        c.division_code,
        d.name as division_name,
        c.city_code,
        ci.city_name,
        c.county_code,
        w.demands,
        w.accepted,
        w.approved,
        w.disbursed,
        w.disbursed_amount_wan,
        w.conversion_pct,
        w.is_active,
        w.is_dormant,
        strftime(w.last_demand_month, '%Y-%m') as last_demand_period,
        date_diff('month', w.last_demand_month, w.month_start) as months_since_last_demand
    from with_latest as w
    inner join codes as c on c.qr_code_id = w.qr_code_id
    left join issuers as i on i.issuer_type = c.issuer_type
    left join divisions as d on d.code = c.division_code
    left join cities as ci on ci.city_code = c.city_code
),

final as (
    select
        *,
        case when is_active then row_number() over (
            partition by period, city_code, is_active
            order by disbursed desc, demands desc, disbursed_amount_wan desc, qr_code_id
        ) end as rank_top,
        case when is_active then row_number() over (
            partition by period, city_code, is_active
            order by disbursed, demands, disbursed_amount_wan, qr_code_id desc
        ) end as rank_bottom
    from described
)

-- stored in the order the 推广 page and the city page ask for it: a city's month sits in few row groups
select * from final
order by city_code, period, rank_top, qr_code_id
