-- One row per day of the calendar range: working day or not, and whether the year's calendar is known.
with

days as (
    select * from {{ ref('int_calendar_days_resolved') }}
),

final as (
    select
        date_day,
        period,
        year_number,
        month(date_day) as month_number,
        iso_day_of_week,
        is_working_day,
        is_official_holiday,
        is_official_makeup_workday,
        holiday_name_zh,
        calendar_source,
        calendar_known,
        response_deadline_date
    from days
)

select * from final
