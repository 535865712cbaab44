-- The failed Great Expectations suites of the ingest runs, one row per table and run (the evidence
-- behind the contract_suite_failed alerts); `failed` lists the failed expectations as JSON text.
with

suite_results as (
    select * from {{ ref('stg_ingest__contract_suite_results') }}
),

final as (
    select
        feed,
        table_name,
        run_at,
        first_partition,
        last_partition,
        partitions,
        rows,
        evaluated,
        failed
    from suite_results
    where not success
)

select * from final
