-- The life-cycle check (feeds.md Clarifications 2 and 3), judged on all de-duplicated events of an
-- application whatever file each came in. One row per application_id: valid or not, and why, with the
-- milestones of its life cycle. The check and the milestones come from one aggregate pass over the events
-- (int_applications_summarised reads the milestones of the valid ones instead of a second pass).
-- Incremental (docs/performance.md, daily increment): only the touched applications are judged again.
-- depends_on: {{ ref('int_applications_touched') }}
with

events as (
    select * from {{ ref('stg_applications__events') }}
    where {{ only_touched_applications('application_id') }}
),

per_application as (
    select
        application_id,
        count(*) as event_count,
        count(*) filter (where event_type = 'submitted') as submitted_count,
        min(event_time) as first_event_at,
        max(event_time) as last_event_at,
        min(event_time) filter (where event_type = 'submitted') as submitted_at,
        min(event_time) filter (where event_type = 'accepted') as first_accepted_at,
        min(event_time) filter (where event_type = 'rejected') as first_rejected_at,
        min(event_time) filter (where event_type = 'approved') as first_approved_at,
        min(event_time) filter (where event_type = 'disbursed') as first_disbursed_at,
        min(event_time) filter (where event_type = 'withdrawn') as first_withdrawn_at,
        max(event_time) filter (where event_type = 'withdrawn') as last_withdrawn_at,
        count(*) filter (where event_type = 'approved') as approved_count,
        count(*) filter (where event_type = 'disbursed') as disbursed_count,
        count(*) filter (where event_type = 'withdrawn') as withdrawn_count,
        sum(amount_yuan) filter (where event_type = 'disbursed') as disbursed_total_yuan,
        -- "first" of a type = first in (event_time, business_date, row_number, event_id) order, NULLs last
        -- as in ORDER BY: arg_min_null over that key (a struct compares field by field, NULL fields last)
        -- is the row a row_number() window would pick, NULL values included, without sorting the events
        arg_min_null(amount_yuan, (event_time, business_date, row_number, event_id))
            filter (where event_type = 'approved') as first_approved_amount_yuan,
        arg_min_null(institution_id, (event_time, business_date, row_number, event_id))
            filter (where event_type = 'accepted') as first_accepted_institution_id,
        arg_min_null(event_type, (event_time, business_date, row_number, event_id))
            filter (where event_type in ('approved', 'rejected')) as first_decision
    from events
    group by application_id
),

checks as (
    select
        *,
        submitted_count <> 1 as fails_single_submitted,
        submitted_count = 1 and first_event_at < submitted_at as fails_event_before_submitted,
        approved_count > 0
            and (first_accepted_at is null or first_accepted_at > first_approved_at)
            as fails_approved_without_accepted,
        disbursed_count > 0
            and (first_approved_at is null or first_approved_at > first_disbursed_at)
            as fails_disbursed_without_approved,
        withdrawn_count > 0 and disbursed_count > 0 and last_withdrawn_at > first_disbursed_at
            as fails_withdrawn_after_disbursed,
        disbursed_count > 0 and first_approved_amount_yuan is not null
            and disbursed_total_yuan > first_approved_amount_yuan
            as fails_disbursed_exceeds_approved
    from per_application
),

ruled as (
    select
        application_id,
        event_count,
        submitted_count,
        submitted_at,
        first_event_at,
        last_event_at,
        first_accepted_at,
        first_accepted_institution_id,
        first_rejected_at,
        first_approved_at,
        first_approved_amount_yuan,
        first_decision,
        first_disbursed_at,
        first_withdrawn_at,
        disbursed_count,
        disbursed_total_yuan,
        case
            when fails_single_submitted or fails_event_before_submitted
                or fails_approved_without_accepted or fails_disbursed_without_approved
                or fails_withdrawn_after_disbursed
                then 'lifecycle_order'
            when fails_disbursed_exceeds_approved then 'disbursed_exceeds_approved'
        end as violated_rule,
        nullif(concat_ws('; ',
            case when fails_single_submitted then
                case when submitted_count = 0 then '无 submitted 事件 / no submitted event'
                     else submitted_count || ' 个 submitted 事件 / ' || submitted_count || ' submitted events' end
            end,
            case when fails_event_before_submitted then
                '有早于 submitted 的事件 / an event precedes submitted' end,
            case when fails_approved_without_accepted then
                'approved 之前无 accepted / approved without an earlier accepted' end,
            case when fails_disbursed_without_approved then
                'disbursed 之前无 approved / disbursed without an earlier approved' end,
            case when fails_withdrawn_after_disbursed then
                'withdrawn 晚于首次 disbursed / withdrawn after the first disbursed' end,
            case when fails_disbursed_exceeds_approved then
                '放款合计 ' || disbursed_total_yuan || ' 元超过首次授信 ' || first_approved_amount_yuan
                || ' 元 / draws ' || disbursed_total_yuan || ' exceed first approval '
                || first_approved_amount_yuan end
        ), '') as violation_detail
    from checks
),

final as (
    select
        *,
        violated_rule is null as is_valid
    from ruled
)

select * from final
