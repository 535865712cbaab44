-- raw.contract_suite_results, typed: the Great Expectations outcome of every ingest run per table,
-- written by the ingest assets (pipelines/lib/suite_results.py). A raw layer made without them (a
-- hand-made fixture, a warehouse from before the log existed) has no such table: this model is then
-- an empty relation of the same columns, so that its readers always build.
{%- set suite_results = source('raw', 'contract_suite_results') %}
{%- set found = load_relation(suite_results) if execute else none %}
with

source as (
{%- if found is not none %}
    select * from {{ suite_results }}
{%- else %}
    select
        cast(null as varchar) as feed, cast(null as varchar) as table_name, cast(null as timestamp) as run_at,
        cast(null as date) as first_partition, cast(null as date) as last_partition,
        cast(null as integer) as partitions, cast(null as bigint) as rows, cast(null as integer) as evaluated,
        cast(null as varchar) as failed, cast(null as boolean) as success
    where false
{%- endif %}
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
