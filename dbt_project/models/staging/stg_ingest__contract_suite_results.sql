-- raw.contract_suite_results, typed: the Great Expectations outcome of every ingest run per table,
-- written by the ingest assets (pipelines/lib/suite_results.py); the loaders create it with the rest of
-- the raw layer, so it exists, empty, before any suite has run.
with

source as (
    select * from {{ source('raw', 'contract_suite_results') }}
),

renamed as (
    select
        cast(feed as varchar) as feed,
        cast(table_name as varchar) as table_name,
        cast(run_at as timestamp) as run_at,
        cast(first_partition as date) as first_partition,
        cast(last_partition as date) as last_partition,
        cast(partitions as integer) as partitions,
        cast(rows as bigint) as rows,
        cast(evaluated as integer) as evaluated,
        cast(failed as varchar) as failed,
        cast(success as boolean) as success
    from source
),

final as (
    select * from renamed
)

select * from final
