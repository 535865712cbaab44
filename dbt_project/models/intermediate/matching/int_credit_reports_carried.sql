-- One row per lawful credit report (int_credit_queries_judged), as the enterprise's profile stood after
-- it: each field the report leaves out (a partial report, feeds.md) carried forward from the same
-- enterprise's latest earlier lawful report that has it. Unlawful reports are never read. With the size
-- class of the SME size standard and the rank of the tax credit grade (A 1, B 2, M 3, C 4, D 5).
with

reports as (
    select
        report_id,
        uscc,
        queried_at,
        subject_name,
        subject_established,
        subject_industry_code,
        subject_county_code,
        subject_employees,
        subject_revenue_wan,
        subject_assets_wan,
        tax_credit_grade,
        judicial_dishonest_executee,
        judicial_enforcement_cases,
        admin_penalties_3y,
        loans_outstanding_wan,
        loans_overdue_24m,
        loans_max_overdue_days,
        score_value
    from {{ ref('stg_credit_reports__reports') }}
),

judged as (
    select report_id, is_lawful from {{ ref('int_credit_queries_judged') }}
),

thresholds as (
    select * from {{ ref('int_sme_size_thresholds_parsed') }}
),

lawful as (
    select r.*
    from reports as r
    inner join judged as j on j.report_id = r.report_id
    where j.is_lawful and r.uscc is not null and r.queried_at is not null
),

carried as (
    select
        report_id,
        uscc,
        queried_at,
        {%- for column, name in [
            ('subject_name', 'enterprise_name'), ('subject_established', 'established_date'),
            ('subject_industry_code', 'industry_code'), ('subject_county_code', 'county_code'),
            ('subject_employees', 'employees'), ('subject_revenue_wan', 'revenue_wan'),
            ('subject_assets_wan', 'assets_wan'),
            ("case when tax_credit_grade in ('A', 'B', 'M', 'C', 'D') then tax_credit_grade end", 'tax_grade'),
            ('judicial_dishonest_executee', 'dishonest_executee'), ('judicial_enforcement_cases', 'enforcement_cases'),
            ('admin_penalties_3y', 'penalties_3y'), ('loans_outstanding_wan', 'outstanding_wan'),
            ('loans_overdue_24m', 'overdue_24m'), ('loans_max_overdue_days', 'max_overdue_days'),
            ('score_value', 'credit_score')] %}
        last_value({{ column }} ignore nulls) over history as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from lawful
    window history as (
        partition by uscc order by queried_at, report_id rows between unbounded preceding and current row
    )
),

sized as (
    select
        c.*,
        {{ sme_size_class('t', 'c.employees', 'c.revenue_wan', 'c.assets_wan') }} as size_class
    from carried as c
    left join thresholds as t
        on c.industry_code is not null and starts_with(upper(c.industry_code), t.scope_prefix)
    qualify row_number() over (partition by c.report_id order by length(t.scope_prefix) desc) = 1
),

final as (
    select
        *,
        case size_class when '微型' then 1 when '小型' then 2 when '中型' then 3 when '大型' then 4 end
            as size_rank,
        case tax_grade when 'A' then 1 when 'B' then 2 when 'M' then 3 when 'C' then 4 when 'D' then 5 end
            as tax_rank
    from sized
)

select * from final
