-- One row per day of a wide range: is it a working day, and is the calendar for its year known?
-- Precedence: calendar_overrides (the bureau's own additions) > official calendar (chinese_calendar,
-- where it knows the year) > weekends only. A year is "known" when the official calendar covers it or
-- the bureau has put at least one override into it.
-- response_deadline_date: the 3rd working day strictly after this day (indicators.md Clarification 6).
with

official as (
    select date as date_day, is_working_day, is_holiday, is_makeup_workday, holiday_name_zh
    from {{ ref('official_calendar') }}
),

override_lines as (
    select date as date_day, is_working_day, note
    from {{ ref('calendar_overrides') }}
),

days as (
    select cast(range as date) as date_day
    from range(
        date '{{ var("calendar_start") }}',
        date '{{ var("calendar_end") }}' + interval 1 day,
        interval 1 day
    )
),

overrides as (
    select * from override_lines
    -- a date listed twice (a data test flags it) is a working day if any line says so
    qualify row_number() over (partition by date_day order by is_working_day desc) = 1
),

known_years as (
    select distinct year(date_day) as year_number from official
    union
    select distinct year(date_day) as year_number from overrides
),

resolved as (
    select
        d.date_day,
        year(d.date_day) as year_number,
        strftime(d.date_day, '%Y-%m') as period,
        isodow(d.date_day) as iso_day_of_week,
        coalesce(
            ov.is_working_day,
            off.is_working_day,
            isodow(d.date_day) <= 5
        ) as is_working_day,
        case
            when ov.is_working_day is not null then 'override'
            when off.is_working_day is not null then 'official'
            else 'weekends_only'
        end as calendar_source,
        ky.year_number is not null as calendar_known,
        coalesce(off.is_holiday, false) as is_official_holiday,
        coalesce(off.is_makeup_workday, false) as is_official_makeup_workday,
        off.holiday_name_zh,
        ov.note as override_note
    from days as d
    left join overrides as ov on ov.date_day = d.date_day
    left join official as off on off.date_day = d.date_day
    left join known_years as ky on ky.year_number = year(d.date_day)
),

numbered as (
    select
        *,
        sum(case when is_working_day then 1 else 0 end) over (order by date_day) as working_day_seq
    from resolved
),

working as (
    select date_day, working_day_seq from numbered where is_working_day
),

final as (
    select
        n.*,
        w.date_day as response_deadline_date
    from numbered as n
    left join working as w on w.working_day_seq = n.working_day_seq + 3
)

select * from final
