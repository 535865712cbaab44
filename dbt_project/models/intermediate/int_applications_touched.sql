-- The applications a daily increment recomputes (docs/performance.md, "Daily increment"): the incremental
-- models (int_applications_checked, int_applications_summarised, fct_application_events, fct_applications)
-- delete these applications' rows and compute them again from their whole history; every other
-- application's rows are kept. An application's rows depend on its de-duplicated events and, for a valid
-- one, on its product's description in the register (every application is touched when that changed);
-- everything else they read (seeds, vars, the models' code) is in the dbt project, whose change makes the
-- build a full refresh (pipelines/defs/transform/dbt.py).
with

recorded as (
    select event_id, application_id from {{ source('raw', 'applications_touched') }}
),

source as (
    select event_id, application_id from {{ source('raw', 'applications') }}
),

products as (
    select * from {{ ref('int_products_resolved') }}
),

-- the rows of the replaced partitions, before and after, and every other copy of their event_ids: which
-- copy of an event counts (the earliest) can change when one copy is removed or added
events_touched as (
    select application_id from recorded
    union all
    select application_id from source where event_id in (select event_id from recorded)
),

{%- set built_products = adapter.get_relation(database=this.database, schema='raw', identifier='dbt_built_products')
    if execute and not flags.FULL_REFRESH else none %}

-- A changed register falls back to a full rebuild: when the register describes any product otherwise than
-- when the models were last built (raw.dbt_built_products, kept by the build after dbt: every column of
-- int_products_resolved but last_snapshot_date, which the same snapshot delivered again under a later
-- date moves without changing what it says), every application is touched.
register_changed as (
{%- if built_products is not none %}
    select count(*) > 0 as changed
    from (
        (select * exclude (last_snapshot_date) from products except select * from {{ built_products }})
        union all
        (select * from {{ built_products }} except select * exclude (last_snapshot_date) from products)
    )
{%- else %}
    select false as changed
{%- endif %}
),

every_application as (
    select application_id from source
    where (select changed from register_changed)
),

final as (
    select distinct application_id
    from (
        select application_id from events_touched
        union all
        select application_id from every_application
    )
    where application_id is not null
)

select * from final
