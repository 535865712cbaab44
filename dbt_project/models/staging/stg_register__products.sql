with

source as (
    select * from {{ source('raw', 'register_products') }}
),

renamed as (
    select
        cast(snapshot_date as date) as snapshot_date,
        cast(product_id as varchar) as product_id,
        cast(institution_id as varchar) as institution_id,
        cast(product_name as varchar) as product_name,
        cast(product_category as varchar) as product_category,
        cast(service_targets as varchar) as service_targets,
        cast(min_amount_wan as decimal(18, 2)) as min_amount_wan,
        cast(max_amount_wan as decimal(18, 2)) as max_amount_wan,
        cast(min_amount_wan as decimal(18, 2)) * 10000 as min_amount_yuan,
        cast(max_amount_wan as decimal(18, 2)) * 10000 as max_amount_yuan,
        cast(max_term_months as integer) as max_term_months,
        cast(rate_floor_pct as decimal(6, 3)) as rate_floor_pct,
        cast(rate_cap_pct as decimal(6, 3)) as rate_cap_pct,
        cast(guarantee_type as varchar) as guarantee_type,
        cast(applicable_regions as varchar) as applicable_regions,
        cast(min_years_in_business as decimal(6, 2)) as min_years_in_business,
        cast(tax_credit_min_grade as varchar) as tax_credit_min_grade,
        cast(listing_status as varchar) as listing_status,
        cast(listed_date as date) as listed_date,
        cast(delisted_date as date) as delisted_date,
        cast(_file_name as varchar) as file_name,
        cast(_business_date as date) as business_date,
        cast(_row_number as integer) as row_number
    from source
),

-- a product listed twice in one snapshot counts once (the first row of the sheet wins)
final as (
    {{ deduplicate('renamed', ['snapshot_date', 'product_id'], keep='earliest') }}
)

select * from final
