-- Each enterprise's demand history as a timeline: one row per (uscc, instant) at which something happened
-- to one of its valid demands (submitted, first accepted, first approved, first decision a refusal,
-- first drawn), carrying the running counts up to and including that instant, the median amount asked
-- so far, and the county, industry and name of its latest demand. An ASOF join at any instant reads the
-- history as it stood then.
with

applications as (
    select
        application_id,
        uscc,
        submitted_at,
        amount_yuan,
        county_code,
        industry_code,
        enterprise_name,
        first_accepted_at,
        first_approved_at,
        first_decision,
        first_decision_at,
        first_disbursed_at
    from {{ ref('int_applications_summarised') }}
    where uscc is not null
),

milestones as (
    select uscc, submitted_at as happened_at, application_id, 0 as kind_order, amount_yuan, county_code,
        industry_code, enterprise_name
    from applications
    union all
    select uscc, first_accepted_at, application_id, 1, null, null, null, null
    from applications where first_accepted_at is not null
    union all
    select uscc, first_approved_at, application_id, 2, null, null, null, null
    from applications where first_approved_at is not null
    union all
    select uscc, first_decision_at, application_id, 3, null, null, null, null
    from applications where first_decision = 'rejected'
    union all
    select uscc, first_disbursed_at, application_id, 4, null, null, null, null
    from applications where first_disbursed_at is not null
),

running as (
    select
        uscc,
        happened_at,
        application_id,
        kind_order,
        count(*) filter (where kind_order = 0) over history as demands,
        count(*) filter (where kind_order = 1) over history as accepted,
        count(*) filter (where kind_order = 2) over history as approved,
        count(*) filter (where kind_order = 3) over history as rejected,
        count(*) filter (where kind_order = 4) over history as disbursed,
        median(amount_yuan) over history as typical_amount_yuan,
        last_value(county_code ignore nulls) over history as county_code,
        last_value(industry_code ignore nulls) over history as industry_code,
        last_value(enterprise_name ignore nulls) over history as enterprise_name,
        min(happened_at) over history as first_demand_at
    from milestones
    window history as (
        partition by uscc order by happened_at, application_id, kind_order
        rows between unbounded preceding and current row
    )
),

-- several things at one instant: the last of them carries them all
final as (
    select * exclude (application_id, kind_order)
    from running
    qualify row_number() over (partition by uscc, happened_at order by application_id desc, kind_order desc) = 1
)

select * from final
