-- K01–K02: population = de-duplicated credit reports in the month of queried_at; city from the report
-- subject's county, institution the querying institution.
with

credit_queries as (
    select * from {{ ref('int_credit_queries_judged') }}
),

population as (
    select
        period,
        province_code,
        city_code,
        institution_id,
        report_id,
        is_lawful
    from credit_queries
),

final as (
    {{ rollup_indicators('population', [
        ['K01', 'count(*)'],
        ['K02', 'count(*) filter (where not is_lawful)'],
    ], ['province', 'city', 'institution']) }}
)

select * from final
