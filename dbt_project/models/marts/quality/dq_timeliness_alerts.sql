-- Rule families "timeliness" and "completeness", judged as of the data's own today (dq_data_today):
-- a feed with no loaded delivery for longer than its threshold, a day missing inside a daily feed's
-- deliveries, a city silent for days while the others submit demands.
with

today as (
    select * from {{ ref('dq_data_today') }}
),

deliveries as (
    select * from {{ ref('stg_ingest__files') }}
),

params as (
    select * from {{ ref('dq_rule_params') }}
),

feeds as (
    select feed, file_pattern from {{ ref('feeds') }}
),

applications as (
    select application_id, submitted_date, city_code from {{ ref('fct_applications') }} where city_code is not null
),

cities as (
    select city_code from {{ ref('city_seats') }}
),

-- feed_stale: only feeds that delivered at least once (a landing zone may lawfully hold a subset of
-- the feeds); measured from the last delivery that loaded (a refused file brought no data)
last_loaded as (
    select feed, max(business_date) as last_date
    from deliveries where status <> 'rejected' group by feed
),

stale as (
    select
        'feed_stale' as rule_code,
        'feed' as entity_type,
        l.feed as entity_key,
        cast(null as varchar) as city_code,
        cast(l.last_date + 1 as timestamp) as first_seen,
        cast(t.data_today as timestamp) as last_seen,
        cast(t.data_today - l.last_date as bigint) as occurrences,
        '数据源 ' || l.feed || ' 最近一次成功送达的业务日期为 ' || strftime(l.last_date, '%Y-%m-%d') || '，至数据日 '
            || strftime(t.data_today, '%Y-%m-%d') || ' 已 ' || (t.data_today - l.last_date) || ' 天无新数据（阈值 '
            || p.param_value || ' 天）' as detail
    from last_loaded as l
    cross join today as t
    inner join params as p on p.rule_code = 'feed_stale' and p.param_key = l.feed
    where t.data_today - l.last_date > try_cast(p.param_value as integer)
),

-- daily_file_missing: a daily feed writes a file every day, header-only on a quiet day (feeds.md), so a
-- date between its first and last delivery with no file at all is a hole; the tail after the last
-- delivery is feed_stale's business
daily_feeds as (
    select unnest(string_split(param_value, '|')) as feed
    from params where rule_code = 'daily_file_missing' and param_key = 'feeds'
),

feed_span as (
    select d.feed, min(d.business_date) as first_date, max(d.business_date) as last_date
    from deliveries as d inner join daily_feeds as f on f.feed = d.feed
    group by d.feed
),

expected_days as (
    select s.feed, cast(day as date) as business_date
    from feed_span as s, generate_series(s.first_date, s.last_date, interval 1 day) as g(day)
),

missing as (
    select
        'daily_file_missing' as rule_code,
        'file' as entity_type,
        -- the file the feed's name pattern gives for the day (seed feeds, from the feed registry)
        replace(f.file_pattern, 'YYYYMMDD', strftime(e.business_date, '%Y%m%d')) as entity_key,
        cast(null as varchar) as city_code,
        cast(e.business_date as timestamp) as first_seen,
        cast(e.business_date as timestamp) as last_seen,
        cast(1 as bigint) as occurrences,
        '数据源 ' || e.feed || ' 缺少业务日期 ' || strftime(e.business_date, '%Y-%m-%d') || ' 的日文件（无业务的日子也应送达仅含表头的文件）'
            as detail
    from expected_days as e
    left join feeds as f on f.feed = e.feed
    left join deliveries as d on d.feed = e.feed and d.business_date = e.business_date
    where d.file_name is null
),

-- city_demands_silent: a run of days without any demand from a city, long enough and improbable at the
-- city's own share of the province's demands during that run (others' demands × share / (1 − share));
-- the run keeps its start date as key while it goes on, so an ongoing silence keeps its alert id
span as (
    select min(submitted_date) as first_date, (select data_today from today) as last_date from applications
),

days as (
    select cast(day as date) as day
    from span, generate_series(span.first_date, span.last_date, interval 1 day) as g(day)
    where span.first_date is not null
),

province_daily as (
    select d.day, count(a.application_id) as demands
    from days as d left join applications as a on a.submitted_date = d.day
    group by d.day
),

province_cumulative as (
    select day, sum(demands) over (order by day) as cumulative from province_daily
),

city_share as (
    -- a city that never submitted anything is held to an equal share of the province
    select
        c.city_code,
        case
            when count(a.application_id) = 0 then 1.0 / (select count(*) from cities)
            else count(a.application_id) * 1.0 / (select count(*) from applications)
        end as share
    from cities as c left join applications as a on a.city_code = c.city_code
    group by c.city_code
),

active_days as (
    select distinct city_code, submitted_date as day from applications
    union all
    -- sentinels: the day before the first data day and the day after the data's today
    select c.city_code, s.first_date - 1 from cities as c, span as s where s.first_date is not null
    union all
    select c.city_code, s.last_date + 1 from cities as c, span as s where s.first_date is not null
),

gaps as (
    select city_code, day + 1 as gap_start, next_day - 1 as gap_end
    from (
        select city_code, day, lead(day) over (partition by city_code order by day) as next_day
        from active_days
    )
    where next_day is not null and next_day - day > 1
),

gaps_measured as (
    select
        g.city_code,
        g.gap_start,
        g.gap_end,
        g.gap_end - g.gap_start + 1 as silent_days,
        e.cumulative - coalesce(b.cumulative, 0) as others_demands,
        s.share
    from gaps as g
    inner join city_share as s on s.city_code = g.city_code
    inner join province_cumulative as e on e.day = g.gap_end
    left join province_cumulative as b on b.day = g.gap_start - 1
),

silent as (
    select
        'city_demands_silent' as rule_code,
        'city_gap' as entity_type,
        g.city_code || '@' || strftime(g.gap_start, '%Y-%m-%d') as entity_key,
        g.city_code,
        cast(g.gap_start as timestamp) as first_seen,
        cast(g.gap_end as timestamp) as last_seen,
        cast(g.silent_days as bigint) as occurrences,
        '地市 ' || g.city_code || ' 自 ' || strftime(g.gap_start, '%Y-%m-%d') || ' 至 ' || strftime(g.gap_end, '%Y-%m-%d')
            || ' 连续 ' || g.silent_days || ' 天无融资需求，同期其他地市共 ' || g.others_demands || ' 笔，按该市占比应有约 '
            || round(g.others_demands * g.share / (1 - g.share), 1) || ' 笔' as detail
    from gaps_measured as g
    where g.silent_days >= {{ dq_param('city_demands_silent', 'min_days') }}
        and g.share > 0 and g.share < 1
        and g.others_demands * g.share / (1 - g.share) >= {{ dq_param('city_demands_silent', 'min_expected') }}
),

final as (
    select * from stale
    union all by name
    select * from missing
    union all by name
    select * from silent
)

select * from final
