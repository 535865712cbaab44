-- Shanxi's county-level divisions (GB/T 2260) with their city.
with

divisions as (
    select * from {{ ref('divisions') }}
),

final as (
    select
        code as county_code,
        name as county_name,
        city_code,
        city_name
    from divisions
    where level = 'county'
)

select * from final
