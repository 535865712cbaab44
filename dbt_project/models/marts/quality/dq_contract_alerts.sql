-- Rule family "contract": rows quarantined (per file and broken rule), files refused, and failed
-- Great Expectations suites recorded by the ingest assets (dq_contract_suite_failures).
with

quarantine as (
    select * from {{ ref('quarantine') }}
),

deliveries as (
    select * from {{ ref('stg_ingest__files') }}
),

suite_failures as (
    select * from {{ ref('dq_contract_suite_failures') }}
),

file_dates as (
    select file_name, max(business_date) as business_date from deliveries group by file_name
),

rows_quarantined as (
    select
        'contract_rows_quarantined' as rule_code,
        'file_rule' as entity_type,
        q.file_name || '#' || q.rule as entity_key,
        cast(null as varchar) as city_code,
        cast(coalesce(f.business_date, try_strptime(regexp_extract(q.file_name, '(\d{8})', 1), '%Y%m%d'))
            as timestamp) as first_seen,
        cast(coalesce(f.business_date, try_strptime(regexp_extract(q.file_name, '(\d{8})', 1), '%Y%m%d'))
            as timestamp) as last_seen,
        count(*) as occurrences,
        q.file_name || ' 中 ' || count(*) || ' 行违反数据约定规则 ' || q.rule || '，已隔离（'
            || any_value(q.detail) || '）' as detail
    from quarantine as q
    left join file_dates as f on f.file_name = q.file_name
    group by q.feed, q.file_name, q.rule, f.business_date
),

-- a refusal stands until a later delivery of the same partition loads (feeds.md: the partition
-- already loaded stays as it was; a corrected re-delivery replaces it)
last_good as (
    select feed, business_date, max(loaded_at) as loaded_at
    from deliveries where status <> 'rejected' group by feed, business_date
),

refused as (
    select
        'file_refused' as rule_code,
        'file' as entity_type,
        d.file_name as entity_key,
        cast(null as varchar) as city_code,
        cast(d.business_date as timestamp) as first_seen,
        cast(d.business_date as timestamp) as last_seen,
        count(*) as occurrences,
        d.file_name || ' 被拒收：' || arg_max(d.message, d.loaded_at) as detail
    from deliveries as d
    left join last_good as g on g.feed = d.feed and g.business_date = d.business_date
    where d.status = 'rejected' and (g.loaded_at is null or g.loaded_at < d.loaded_at)
    group by d.feed, d.file_name, d.business_date
),

suites as (
    select
        'contract_suite_failed' as rule_code,
        'contract_expectation' as entity_type,
        s.table_name || '#' || e.expectation as entity_key,
        cast(null as varchar) as city_code,
        cast(min(s.first_partition) as timestamp) as first_seen,
        cast(max(s.last_partition) as timestamp) as last_seen,
        count(*) as occurrences,
        'raw.' || s.table_name || ' 的已加载分区未通过 Great Expectations 校验：' || e.expectation as detail
    from suite_failures as s,
        unnest(cast(coalesce(s.failed, '[]') as json)::varchar[]) as e(expectation)
    group by s.table_name, e.expectation
),

final as (
    select * from rows_quarantined
    union all by name
    select * from refused
    union all by name
    select * from suites
)

select * from final
