-- The dates of one matching run (docs/matching.md): the scoring date, the global cut-off of the
-- time-based split, and the windows of the training and held-out demands. One row.
--
-- "As of date D" means every fact dated before D 00:00 (a report, an event, a demand) and the register
-- snapshot in force on D (the latest dated on or before it). The scoring date is the env var
-- LOANCODE_SCORING_DATE (or the dbt var matching_scoring_date); by default the day after the latest
-- loaded event, so that everything loaded counts.
{%- set given = var('matching_scoring_date', env_var('LOANCODE_SCORING_DATE', '')) %}
with

applications as (
    select submitted_at, last_event_at from {{ ref('int_applications_checked') }} where is_valid
),

bounds as (
    select
        {% if given -%}
        cast('{{ given }}' as date) as scoring_date,
        {%- else -%}
        coalesce(cast(max(last_event_at) as date) + 1, current_date) as scoring_date,
        {%- endif %}
        cast(min(submitted_at) as date) as first_day
    from applications
),

months as (
    select
        *,
        -- the held-out months: the last third of the data, at most matching_holdout_months
        least(
            {{ var('matching_holdout_months') }},
            greatest(1, cast(floor((date_diff('month', coalesce(first_day, scoring_date), scoring_date - 1) + 1) / 3) as integer))
        ) as holdout_months
    from bounds
),

final as (
    select
        scoring_date,
        cast(scoring_date as timestamp) as scoring_as_of,
        cast(date_trunc('month', scoring_date - 1) - to_months(holdout_months - 1) as date) as cutoff_date,
        holdout_months,
        {{ var('matching_maturity_days') }} as maturity_days
    from months
)

select
    scoring_date,
    scoring_as_of,
    cutoff_date,
    cast(cutoff_date as timestamp) as cutoff_as_of,
    -- demands submitted before it are trained on, with the outcomes known at the cut-off: a demand needs
    -- maturity_days to be answered, decided and drawn
    cast(cutoff_date - to_days(maturity_days) as timestamp) as training_end_at,
    -- held-out demands: submitted from the cut-off to maturity_days before the scoring date, graded with
    -- the outcomes known on the scoring date
    cast(scoring_date - to_days(maturity_days) as timestamp) as holdout_end_at,
    holdout_months,
    maturity_days
from final
