-- The 11 prefecture-level cities of Shanxi with the seat's coordinates (for maps).
with

seats as (
    select * from {{ ref('city_seats') }}
),

final as (
    select
        city_code,
        city_name,
        lat,
        lon
    from seats
)

select * from final
