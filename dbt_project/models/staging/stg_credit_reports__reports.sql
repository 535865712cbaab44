-- One row per credit report: duplicates of a report_id collapsed (feeds.md Clarification 4: the copy
-- from the earliest partition wins, then the first row in the file).
with

source as (
    select * from {{ source('raw', 'credit_reports') }}
),

renamed as (
    select
        cast(report_id as varchar) as report_id,
        cast(uscc as varchar) as uscc,
        cast(queried_at as timestamp) as queried_at,
        cast(institution_id as varchar) as institution_id,
        cast(authorization_id as varchar) as authorization_id,
        cast(subject_name as varchar) as subject_name,
        cast(subject_established as date) as subject_established,
        cast(subject_registered_capital_wan as double) as subject_registered_capital_wan,
        cast(subject_industry_code as varchar) as subject_industry_code,
        cast(subject_county_code as varchar) as subject_county_code,
        cast(subject_employees as integer) as subject_employees,
        cast(subject_revenue_wan as double) as subject_revenue_wan,
        cast(subject_assets_wan as double) as subject_assets_wan,
        cast(tax_credit_grade as varchar) as tax_credit_grade,
        cast(tax_paid_last_year_wan as double) as tax_paid_last_year_wan,
        cast(social_insured_count as integer) as social_insured_count,
        cast(judicial_dishonest_executee as boolean) as judicial_dishonest_executee,
        cast(judicial_enforcement_cases as integer) as judicial_enforcement_cases,
        cast(admin_penalties_3y as integer) as admin_penalties_3y,
        cast(loans_outstanding_wan as double) as loans_outstanding_wan,
        cast(loans_overdue_24m as integer) as loans_overdue_24m,
        cast(loans_max_overdue_days as integer) as loans_max_overdue_days,
        cast(score_value as integer) as score_value,
        cast(score_grade as varchar) as score_grade,
        cast(_file_name as varchar) as file_name,
        cast(_business_date as date) as business_date,
        cast(_row_number as integer) as row_number
    from source
),

final as (
    {{ deduplicate('renamed', ['report_id'], keep='earliest') }}
)

select * from final
