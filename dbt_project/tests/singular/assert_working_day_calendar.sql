-- Fixed points of the official calendar (chinese_calendar): National Day 2025 and its make-up day.
with

expected as (
    select * from (values
        (date '2025-09-30', true, date '2025-10-11'),
        (date '2025-10-01', false, date '2025-10-11'),
        (date '2025-10-08', false, date '2025-10-11'),
        (date '2025-10-11', true, date '2025-10-15'),
        (date '2025-10-09', true, date '2025-10-13')
    ) as t(date_day, is_working_day, response_deadline_date)
)

select e.*, w.is_working_day as actual_working, w.response_deadline_date as actual_deadline
from expected as e
left join {{ ref('int_calendar_days_resolved') }} as w on w.date_day = e.date_day
where w.is_working_day is distinct from e.is_working_day
    or w.response_deadline_date is distinct from e.response_deadline_date
