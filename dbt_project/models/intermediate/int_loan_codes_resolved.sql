-- One row per 贷款码 that brought a life-cycle-valid demand: its issuer type and its place, parsed once
-- from `QR-<6-digit division>-<issuer type>-<serial>` (feeds.md; the form is checked by the loaders' row
-- rules). A code counts where it was issued (docs/promotion.md): its city is city_of(division), so a
-- provincial code (140000) or any division outside the 11 cities counts in the province only; its county is
-- the division itself when that is a county-level code of the divisions seed, else it has no county (a
-- city-level code counts in its city, not in a county).
with

applications as (
    select qr_code_id, submitted_period from {{ ref('int_applications_summarised') }}
    where qr_code_id is not null
),

counties as (
    select code from {{ ref('divisions') }} where level = 'county'
),

codes as (
    select
        qr_code_id,
        split_part(qr_code_id, '-', 2) as division_code,
        split_part(qr_code_id, '-', 3) as issuer_type,
        min(submitted_period) as first_demand_period
    from applications
    group by qr_code_id
),

final as (
    select
        c.qr_code_id,
        c.issuer_type,
        c.division_code,
        '{{ var("province_code") }}' as province_code,
        {{ city_of('c.division_code') }} as city_code,
        co.code as county_code,
        c.first_demand_period
    from codes as c
    left join counties as co on co.code = c.division_code
)

select * from final
