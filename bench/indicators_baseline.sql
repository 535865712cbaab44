-- The hand-written baseline of bench/indicators.py: all 24 indicators of /work/shared/indicators.md
-- (base values, no _MOM/_YOY/_YTD) at province × month, in one query, straight from the raw tables.
-- Written from indicators.md and feeds.md, not from the dbt models; result: (indicator_code, period, value).
WITH

-- feeds.md Clarification 4: one copy per event_id, the earliest partition, then the first row (ranking
-- only the event_ids delivered more than once: most are delivered once)
duplicated_events AS (
    SELECT event_id FROM raw.applications GROUP BY event_id HAVING count(*) > 1
),

events AS (
    SELECT application_id, event_type, event_time, uscc, county_code, amount_yuan, annual_rate_pct,
           guarantee_type, first_loan, _business_date, _row_number
    FROM raw.applications ANTI JOIN duplicated_events USING (event_id)
    UNION ALL
    SELECT application_id, event_type, event_time, uscc, county_code, amount_yuan, annual_rate_pct,
           guarantee_type, first_loan, _business_date, _row_number
    FROM raw.applications SEMI JOIN duplicated_events USING (event_id)
    QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY _business_date, _row_number, _file_name) = 1
),

-- one row per application: its submitted row and the times of the life-cycle steps
apps AS (
    SELECT
        application_id,
        count(*) FILTER (WHERE event_type = 'submitted') AS n_submitted,
        min(event_time) AS first_at,
        max(event_time) AS last_at,
        min(event_time) FILTER (WHERE event_type = 'submitted') AS submitted_at,
        any_value(amount_yuan) FILTER (WHERE event_type = 'submitted') AS requested_yuan,
        any_value(uscc) FILTER (WHERE event_type = 'submitted') AS uscc,
        any_value(county_code) FILTER (WHERE event_type = 'submitted') AS county_code,
        min(event_time) FILTER (WHERE event_type = 'accepted') AS accepted_at,
        min(event_time) FILTER (WHERE event_type = 'approved') AS approved_at,
        arg_min(amount_yuan, (event_time, _business_date, _row_number))
            FILTER (WHERE event_type = 'approved') AS approved_yuan,
        min(event_time) FILTER (WHERE event_type = 'rejected') AS rejected_at,
        min(event_time) FILTER (WHERE event_type = 'disbursed') AS disbursed_at,
        min(event_time) FILTER (WHERE event_type = 'withdrawn') AS withdrawn_at,
        max(event_time) FILTER (WHERE event_type = 'withdrawn') AS last_withdrawn_at,
        sum(amount_yuan) FILTER (WHERE event_type = 'disbursed') AS drawn_yuan
    FROM events
    GROUP BY application_id
),

-- feeds.md Clarification 2: the life cycle, judged on all de-duplicated rows of the application
valid AS (
    SELECT * FROM apps
    WHERE n_submitted = 1
      AND first_at >= submitted_at
      AND (approved_at IS NULL OR (accepted_at IS NOT NULL AND accepted_at <= approved_at))
      AND (disbursed_at IS NULL OR (approved_at IS NOT NULL AND approved_at <= disbursed_at))
      AND (last_withdrawn_at IS NULL OR disbursed_at IS NULL OR last_withdrawn_at <= disbursed_at)
      AND (drawn_yuan IS NULL OR drawn_yuan <= approved_yuan)
),

disbursements AS (
    SELECT e.event_time, e.uscc, e.amount_yuan, e.annual_rate_pct, e.guarantee_type, e.first_loan, v.county_code
    FROM events AS e
    JOIN valid AS v USING (application_id)
    WHERE e.event_type = 'disbursed'
),

reports AS (
    SELECT report_id, uscc, queried_at, institution_id, authorization_id
    FROM raw.credit_reports
    QUALIFY row_number() OVER (PARTITION BY report_id ORDER BY _business_date, _row_number, _file_name) = 1
),

-- Clarification 1: the data months span the loaded applications' event_time and the reports' queried_at
bounds AS (
    SELECT date_trunc('month', min(ts)) AS first_month, date_trunc('month', max(ts)) AS last_month
    FROM (
        SELECT first_at AS ts FROM valid UNION ALL SELECT last_at FROM valid
        UNION ALL SELECT queried_at FROM reports
    )
),

months AS (
    SELECT strftime(m.range, '%Y-%m') AS period,
           m.range AS month_start,
           CAST(last_day(m.range) AS DATE) AS last_day
    FROM bounds, range(bounds.first_month, bounds.last_month + INTERVAL 1 MONTH, INTERVAL 1 MONTH) AS m
),

-- working days: the bureau's overrides, else the official calendar, else Monday–Friday
days AS (
    SELECT CAST(d.range AS DATE) AS day
    FROM (SELECT min(submitted_at) AS lo, max(submitted_at) AS hi FROM valid) AS s,
         range(CAST(s.lo AS DATE), CAST(s.hi AS DATE) + INTERVAL 60 DAY, INTERVAL 1 DAY) AS d
),

calendar AS (
    SELECT days.day,
           coalesce(ov.is_working_day, oc.is_working_day, isodow(days.day) <= 5) AS is_working_day
    FROM days
    LEFT JOIN (SELECT date, bool_or(is_working_day) AS is_working_day
               FROM reference.calendar_overrides GROUP BY date) AS ov ON ov.date = days.day
    LEFT JOIN reference.official_calendar AS oc ON oc.date = days.day
),

calendar_numbered AS (
    SELECT day, is_working_day,
           sum(CASE WHEN is_working_day THEN 1 ELSE 0 END) OVER (ORDER BY day) AS working_days_so_far
    FROM calendar
),

-- Clarification 6: the deadline day is the 3rd working day strictly after the submission day
deadlines AS (
    SELECT d.day, w.day AS deadline_day
    FROM calendar_numbered AS d
    JOIN calendar_numbered AS w
      ON w.is_working_day AND w.working_days_so_far = d.working_days_so_far + 3
),

valid_dated AS (
    SELECT v.*, dl.deadline_day,
           least(v.accepted_at, v.rejected_at, v.withdrawn_at) AS answered_at,
           least(v.approved_at, v.rejected_at) AS decided_at
    FROM valid AS v
    LEFT JOIN deadlines AS dl ON dl.day = CAST(v.submitted_at AS DATE)
),

demand AS (
    SELECT strftime(submitted_at, '%Y-%m') AS period,
           count(*) AS d01,
           sum(requested_yuan) / 10000 AS d02,
           count(DISTINCT uscc) AS d03,
           100.0 * count(*) FILTER (
               WHERE date_diff('second', submitted_at, disbursed_at) <= 720 * 3600
           ) / count(*) AS o11
    FROM valid_dated GROUP BY ALL
),

response AS (
    SELECT strftime(accepted_at, '%Y-%m') AS period,
           count(*) AS r01,
           avg(date_diff('second', submitted_at, accepted_at)) / 3600 AS r02,
           100.0 * count(*) FILTER (WHERE CAST(accepted_at AS DATE) <= deadline_day) / count(*) AS r03
    FROM valid_dated WHERE accepted_at IS NOT NULL GROUP BY ALL
),

-- Clarification 7: an unanswered demand counts in every month m whose last day is after its deadline
-- day, up to (not including) the month of its first answer
overdue_spans AS (
    SELECT CASE WHEN deadline_day < last_day(deadline_day)
                THEN date_trunc('month', deadline_day)
                ELSE date_trunc('month', deadline_day) + INTERVAL 1 MONTH END AS from_month,
           date_trunc('month', answered_at) AS answer_month
    FROM valid_dated
),

overdue AS (
    SELECT m.period, count(*) AS r04
    FROM months AS m
    JOIN (SELECT * FROM overdue_spans WHERE answer_month IS NULL OR from_month < answer_month) AS o
      ON m.month_start >= o.from_month AND (o.answer_month IS NULL OR m.month_start < o.answer_month)
    GROUP BY ALL
),

approval AS (
    SELECT strftime(approved_at, '%Y-%m') AS period, count(*) AS o01, sum(approved_yuan) / 10000 AS o02
    FROM valid_dated WHERE approved_at IS NOT NULL GROUP BY ALL
),

decision AS (
    SELECT strftime(decided_at, '%Y-%m') AS period,
           100.0 * count(*) FILTER (WHERE approved_at = decided_at) / count(*) AS o10
    FROM valid_dated WHERE decided_at IS NOT NULL GROUP BY ALL
),

disbursement AS (
    SELECT strftime(event_time, '%Y-%m') AS period,
           count(*) AS o03,
           sum(amount_yuan) / 10000 AS o04,
           count(DISTINCT uscc) AS o05,
           sum(annual_rate_pct * amount_yuan) / nullif(sum(amount_yuan), 0) AS o06,
           count(DISTINCT uscc) FILTER (WHERE first_loan = 'Y') AS o07,
           100.0 * coalesce(sum(amount_yuan) FILTER (WHERE guarantee_type = '信用'), 0)
               / nullif(sum(amount_yuan), 0) AS o08,
           coalesce(sum(amount_yuan) FILTER (WHERE guarantee_type = '政府性融资担保'), 0) / 10000 AS o09,
           count(DISTINCT county_code) AS c01
    FROM disbursements GROUP BY ALL
),

-- feeds.md Clarification 5: the latest delivered row of an authorization_id supersedes the others
authorizations AS (
    SELECT authorization_id, uscc, institution_id, scope, granted_at, expires_at, revoked_at
    FROM raw.authorizations
    QUALIFY row_number() OVER (
        PARTITION BY authorization_id ORDER BY _business_date DESC, _row_number DESC, _file_name DESC) = 1
),

credit AS (
    SELECT strftime(r.queried_at, '%Y-%m') AS period,
           count(*) AS k01,
           count(*) FILTER (WHERE NOT coalesce(
               a.uscc = r.uscc AND a.institution_id = r.institution_id
               AND a.scope IN ('credit_report', 'all')
               AND a.granted_at <= r.queried_at AND r.queried_at < least(a.expires_at, a.revoked_at), FALSE)
           ) AS k02
    FROM reports AS r
    LEFT JOIN authorizations AS a ON a.authorization_id = r.authorization_id
    GROUP BY ALL
),

-- Clarification 10: the register in force at period end is the snapshot with the latest file date on
-- or before the month's last day (a delivered register file with empty sheets is a snapshot too)
snapshots AS (
    SELECT snapshot_date FROM raw.register_institutions
    UNION SELECT snapshot_date FROM raw.register_products
    UNION SELECT business_date FROM raw.ingest_log
          WHERE feed = 'register' AND is_current AND status <> 'rejected'
),

in_force AS (
    SELECT m.period, m.last_day, max(s.snapshot_date) AS snapshot_date
    FROM months AS m JOIN snapshots AS s ON s.snapshot_date <= m.last_day
    GROUP BY ALL
),

institutions AS (
    SELECT * FROM raw.register_institutions
    QUALIFY row_number() OVER (PARTITION BY snapshot_date, institution_id ORDER BY _row_number) = 1
),

products AS (
    SELECT * FROM raw.register_products
    QUALIFY row_number() OVER (PARTITION BY snapshot_date, product_id ORDER BY _row_number) = 1
),

onboarded AS (
    SELECT f.period, count(*) AS s01
    FROM in_force AS f JOIN institutions AS i USING (snapshot_date)
    WHERE i.onboarding_status = '已入驻'
    GROUP BY ALL
),

-- Clarification 11: a listed product breaking any rule, judged on the month's last day, counts once
listed AS (
    SELECT f.period,
           count(*) AS s02,
           count(*) FILTER (WHERE
               p.product_category IN ('个人消费贷款', '理财产品')
               OR list_sort(list_distinct(list_filter(
                      list_transform(string_split(p.service_targets, '、'), lambda t: trim(t)), lambda t: t <> '')))
                  = ['个人']
               OR i.institution_id IS NULL
               OR i.onboarding_status IS DISTINCT FROM '已入驻'
               OR i.agreement_signed_date IS NULL
               OR i.agreement_signed_date > f.last_day
               OR i.agreement_expiry_date < f.last_day
           ) AS s03
    FROM in_force AS f
    JOIN products AS p USING (snapshot_date)
    LEFT JOIN institutions AS i ON i.snapshot_date = f.snapshot_date AND i.institution_id = p.institution_id
    WHERE p.listing_status = '上架'
    GROUP BY ALL
),

wide AS (
    SELECT
        m.period,
        CAST(coalesce(d01, 0) AS DOUBLE) AS D01,
        CAST(coalesce(d02, 0) AS DOUBLE) AS D02,
        CAST(coalesce(d03, 0) AS DOUBLE) AS D03,
        CAST(coalesce(r01, 0) AS DOUBLE) AS R01,
        CAST(r02 AS DOUBLE) AS R02,
        CAST(r03 AS DOUBLE) AS R03,
        CAST(coalesce(r04, 0) AS DOUBLE) AS R04,
        CAST(coalesce(o01, 0) AS DOUBLE) AS O01,
        CAST(coalesce(o02, 0) AS DOUBLE) AS O02,
        CAST(coalesce(o03, 0) AS DOUBLE) AS O03,
        CAST(coalesce(o04, 0) AS DOUBLE) AS O04,
        CAST(coalesce(o05, 0) AS DOUBLE) AS O05,
        CAST(o06 AS DOUBLE) AS O06,
        CAST(coalesce(o07, 0) AS DOUBLE) AS O07,
        CAST(o08 AS DOUBLE) AS O08,
        CAST(coalesce(o09, 0) AS DOUBLE) AS O09,
        CAST(o10 AS DOUBLE) AS O10,
        CAST(o11 AS DOUBLE) AS O11,
        CAST(coalesce(s01, 0) AS DOUBLE) AS S01,
        CAST(coalesce(s02, 0) AS DOUBLE) AS S02,
        CAST(coalesce(s03, 0) AS DOUBLE) AS S03,
        CAST(coalesce(c01, 0) AS DOUBLE) AS C01,
        CAST(coalesce(k01, 0) AS DOUBLE) AS K01,
        CAST(coalesce(k02, 0) AS DOUBLE) AS K02
    FROM months AS m
    LEFT JOIN demand USING (period)
    LEFT JOIN response USING (period)
    LEFT JOIN overdue USING (period)
    LEFT JOIN approval USING (period)
    LEFT JOIN decision USING (period)
    LEFT JOIN disbursement USING (period)
    LEFT JOIN credit USING (period)
    LEFT JOIN onboarded USING (period)
    LEFT JOIN listed USING (period)
)

SELECT indicator_code, period, value
FROM wide UNPIVOT INCLUDE NULLS (value FOR indicator_code IN (COLUMNS(* EXCLUDE (period))))
ORDER BY indicator_code, period
