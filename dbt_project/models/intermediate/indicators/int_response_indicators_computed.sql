-- R01–R03: population = applications in the month of their first `accepted`; institution = that of
-- the first acceptance.
with

applications as (
    select * from {{ ref('int_applications_summarised') }}
),

population as (
    select
        strftime(first_accepted_at, '%Y-%m') as period,
        province_code,
        city_code,
        county_code,
        institution_id,
        response_seconds,
        is_accepted_on_time
    from applications
    where first_accepted_at is not null
),

-- R02 is an exact integer sum of seconds divided once, so its value does not depend on the order
-- in which rows are added (a double average does, in its last bit).
final as (
    {{ rollup_indicators('population', [
        ['R01', 'count(*)'],
        ['R02', 'sum(response_seconds) / count(*) / 3600.0'],
        ['R03', pct('count(*) filter (where is_accepted_on_time)', 'count(*)')],
        [ratio_denominator('R02'), 'count(*)'],
        [ratio_denominator('R03'), 'count(*)'],
    ], ['province', 'city', 'county', 'institution'] + city_crossed_grains(['institution'])) }}
)

select * from final
