-- P01–P08, the promotion of the 贷款码 (docs/promotion.md). Geography and issuer type are the code's
-- (int_loan_codes_resolved), not the applicant's.
-- P01–P06: population = life-cycle-valid applications in the month of their `submitted` (the D01 cohort),
-- each with what became of it as known from all data loaded now (accepted, approved, disbursed, the sum of
-- its disbursements).
-- P07–P08: population = code-months: every code, in every data month from the month of its first demand
-- on; active when it brought a demand that month, dormant when it brought none in that month and the two
-- before it (its latest demand is three or more months earlier).
with

applications as (
    select * from {{ ref('int_applications_summarised') }}
),

codes as (
    select * from {{ ref('int_loan_codes_resolved') }}
),

months as (
    select period, month_start from {{ ref('int_months_spanned') }}
),

demands as (
    select
        a.submitted_period as period,
        c.province_code,
        c.city_code,
        c.county_code,
        c.issuer_type,
        c.qr_code_id,
        a.first_accepted_at is not null as is_accepted,
        a.first_approved_at is not null as is_approved,
        a.first_disbursed_at is not null as is_disbursed,
        a.disbursed_total_yuan
    from applications as a
    inner join codes as c on c.qr_code_id = a.qr_code_id
),

demand_months as (
    select distinct qr_code_id, period from demands
),

-- each code in every data month from its first demand on, with the month of its latest demand so far
code_months as (
    select
        m.period,
        m.month_start,
        c.province_code,
        c.city_code,
        c.county_code,
        c.issuer_type,
        c.qr_code_id,
        max(case when d.period is not null then m.month_start end) over (
            partition by c.qr_code_id order by m.month_start rows between unbounded preceding and current row
        ) as last_demand_month
    from codes as c
    inner join months as m on m.period >= c.first_demand_period
    left join demand_months as d on d.qr_code_id = c.qr_code_id and d.period = m.period
),

code_states as (
    select
        period,
        province_code,
        city_code,
        county_code,
        issuer_type,
        qr_code_id,
        last_demand_month = month_start as is_active,
        last_demand_month <= month_start - interval 3 month as is_dormant
    from code_months
),

demand_values as (
    {{ rollup_indicators('demands', [
        ['P01', 'count(*)'],
        ['P02', 'count(*) filter (where is_accepted)'],
        ['P03', 'count(*) filter (where is_approved)'],
        ['P04', 'count(*) filter (where is_disbursed)'],
        ['P05', 'coalesce(sum(disbursed_total_yuan), 0) / 10000.0'],
        ['P06', pct('count(*) filter (where is_disbursed)', 'count(*)')],
        [ratio_denominator('P06'), 'count(*)'],
    ], ['province', 'city', 'county', 'issuer_type', 'qr_code'] + city_crossed_grains(['issuer_type'])) }}
),

code_values as (
    {{ rollup_indicators('code_states', [
        ['P07', 'count(*) filter (where is_active)'],
        ['P08', 'count(*) filter (where is_dormant)'],
    ], ['province', 'city', 'county', 'issuer_type', 'qr_code'] + city_crossed_grains(['issuer_type'])) }}
),

final as (
    select * from demand_values
    union all
    select * from code_values
)

select * from final
