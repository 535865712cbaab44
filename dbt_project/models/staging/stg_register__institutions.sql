with

source as (
    select * from {{ source('raw', 'register_institutions') }}
),

renamed as (
    select
        cast(snapshot_date as date) as snapshot_date,
        cast(institution_id as varchar) as institution_id,
        cast(institution_name as varchar) as institution_name,
        cast(institution_type as varchar) as institution_type,
        cast(parent_institution_id as varchar) as parent_institution_id,
        cast(division_code as varchar) as division_code,
        cast(onboarding_status as varchar) as onboarding_status,
        cast(approved_date as date) as approved_date,
        cast(agreement_signed_date as date) as agreement_signed_date,
        cast(agreement_expiry_date as date) as agreement_expiry_date,
        cast(_file_name as varchar) as file_name,
        cast(_business_date as date) as business_date,
        cast(_row_number as integer) as row_number
    from source
),

-- an institution listed twice in one snapshot counts once (the first row of the sheet wins)
final as (
    {{ deduplicate('renamed', ['snapshot_date', 'institution_id'], keep='earliest') }}
)

select * from final
