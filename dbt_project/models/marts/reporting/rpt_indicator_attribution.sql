-- What moved it (变动归因, docs/attribution.md): each indicator's month-on-month change at the province and at
-- each city, broken into the contributions of the members of the grain below — the province by city, by
-- institution and by issuer type; a city by county, by institution and by issuer type (the city-crossed
-- grains) — wherever the catalog publishes the indicator at that grain and its family computes it.
--
-- Sums (counts, amounts, stocks, distinct counts): a member's contribution is its own change.
-- Ratios (unit % or 小时: R02, R03, O06, O08, O10, O11, P06): R = Σ wᵢ·rᵢ with wᵢ = Dᵢ / D the member's share
-- of the parent's denominator (the family's '<code>__denominator' component) and rᵢ its own value. The
-- symmetric (Shapley) two-factor split, with the mix measured against the parent's mean rate R̄ = (R⁰ + R¹)/2:
--     rate_effectᵢ = (wᵢ⁰ + wᵢ¹)/2 · (rᵢ¹ − rᵢ⁰)      mix_effectᵢ = ((rᵢ⁰ + rᵢ¹)/2 − R̄) · (wᵢ¹ − wᵢ⁰)
-- exact because Σ wᵢ = 1 in both months (so Σ R̄·Δwᵢ = 0): Σ (rate + mix) = Σ wᵢ¹rᵢ¹ − Σ wᵢ⁰rᵢ⁰ = R¹ − R⁰.
-- A member gaining weight raises the total only if its rate is above the mean. A member absent in one month
-- (Dᵢ = 0) takes its other month's rate there, so its contribution is all mix.
-- What no member holds (rows without a member of that grain; the overlap of a distinct count across members)
-- is one more member, `is_residual`, so that the contributions always add up to the change.
{%- set links = [
    ['province', 'city', 'city', "'" ~ var('province_code') ~ "'", 'grain_key'],
    ['province', 'institution', 'institution', "'" ~ var('province_code') ~ "'", 'grain_key'],
    ['province', 'issuer_type', 'issuer_type', "'" ~ var('province_code') ~ "'", 'grain_key'],
    ['city', 'county', 'county', city_of('grain_key'), 'grain_key'],
    ['city', 'city/institution', 'institution', "split_part(grain_key, '|', 1)", "split_part(grain_key, '|', 2)"],
    ['city', 'city/issuer_type', 'issuer_type', "split_part(grain_key, '|', 1)", "split_part(grain_key, '|', 2)"],
] %}
{%- set denominator_suffix = ratio_denominator('') %}
with

catalog_seed as (
    select * from {{ ref('indicator_catalog') }}
),

computed as (
    select indicator_code, period, grain, grain_key, value from {{ ref('int_indicators_computed') }}
),

published as (
    select indicator_code, period, grain, grain_key, value from {{ ref('fct_indicator_values') }}
    where grain in ('province', 'city')
),

months as (
    select period, month_start from {{ ref('int_months_spanned') }}
),

cities as (
    select city_code, city_name from {{ ref('city_seats') }}
),

counties as (
    select code, name from {{ ref('divisions') }} where level = 'county'
),

institutions as (
    select institution_id, institution_name from {{ ref('dim_institution') }}
),

issuers as (
    select issuer_type, name_zh from {{ ref('loan_code_issuers') }}
),

catalog as (
    select
        code,
        unit,
        list_transform(string_split(grains, ','), lambda g: trim(g)) as grains,
        -- the same rule as the grid's NULL fill: a % or an hours mean is a ratio of two sums
        unit in ('%', '小时') as is_ratio,
        -- a distinct count or a stock may count one thing in two members: the residual then also holds the
        -- overlap
        additive = 'no' and unit not in ('%', '小时') as may_overlap
    from catalog_seed
),

month_pairs as (
    select cur.period, prev.period as previous_period
    from months as cur
    inner join months as prev on prev.month_start = cur.month_start - interval 1 month
),

-- the parents' denominators (ratios only)
parent_denominators as (
    select
        replace(indicator_code, '{{ denominator_suffix }}', '') as indicator_code,
        period,
        grain,
        grain_key,
        value as denominator
    from computed
    where grain in ('province', 'city') and ends_with(indicator_code, '{{ denominator_suffix }}')
),

-- every member row under its parent: (parent grain, parent key, dimension, member key)
children as (
    {%- for parent_grain, child_grain, dimension, parent_key, member_key in links %}
    select
        indicator_code,
        period,
        '{{ parent_grain }}' as grain,
        {{ parent_key }} as grain_key,
        '{{ dimension }}' as dimension,
        {{ member_key }} as member_key,
        value
    from computed
    where grain = '{{ child_grain }}'
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

-- one row per member and month: its value and (ratios) its denominator
child_rows as (
    select
        replace(indicator_code, '{{ denominator_suffix }}', '') as indicator_code,
        period,
        grain,
        grain_key,
        dimension,
        member_key,
        max(value) filter (where not ends_with(indicator_code, '{{ denominator_suffix }}')) as value,
        max(value) filter (where ends_with(indicator_code, '{{ denominator_suffix }}')) as denominator
    from children
    group by all
),

-- (indicator, parent grain, dimension) pairs: the catalog publishes the indicator at both grains and its
-- family computes the members
links as (
    select distinct v.indicator_code, v.grain, v.dimension, c.unit, c.is_ratio, c.may_overlap
    from child_rows as v
    inner join catalog as c
        on c.code = v.indicator_code
        and list_contains(c.grains, v.grain)
        and list_contains(c.grains, v.dimension)
),

-- the change to explain: the published values of two consecutive data months, both present
totals as (
    select
        l.indicator_code,
        mp.period,
        mp.previous_period,
        l.grain,
        cur.grain_key,
        l.dimension,
        l.unit,
        l.is_ratio,
        l.may_overlap,
        cur.value,
        prev.value as previous_value,
        cur.value - prev.value as change,
        dcur.denominator,
        dprev.denominator as previous_denominator
    from links as l
    cross join month_pairs as mp
    inner join published as cur
        on cur.indicator_code = l.indicator_code and cur.grain = l.grain and cur.period = mp.period
    inner join published as prev
        on prev.indicator_code = l.indicator_code and prev.grain = l.grain
        and prev.grain_key = cur.grain_key and prev.period = mp.previous_period
    left join parent_denominators as dcur
        on dcur.indicator_code = l.indicator_code and dcur.grain = l.grain
        and dcur.grain_key = cur.grain_key and dcur.period = mp.period
    left join parent_denominators as dprev
        on dprev.indicator_code = l.indicator_code and dprev.grain = l.grain
        and dprev.grain_key = cur.grain_key and dprev.period = mp.previous_period
    where cur.value is not null and prev.value is not null
        and (not l.is_ratio or (dcur.denominator > 0 and dprev.denominator > 0))
),

-- the members present in either month, with their values and denominators of both months
members as (
    select
        t.*,
        c.member_key,
        max(c.value) filter (where c.period = t.period) as member_value,
        max(c.value) filter (where c.period = t.previous_period) as member_previous_value,
        coalesce(max(c.denominator) filter (where c.period = t.period), 0) as member_denominator,
        coalesce(max(c.denominator) filter (where c.period = t.previous_period), 0) as member_previous_denominator
    from totals as t
    inner join child_rows as c
        on c.indicator_code = t.indicator_code and c.grain = t.grain and c.grain_key = t.grain_key
        and c.dimension = t.dimension and c.period in (t.period, t.previous_period)
    group by all
),

-- summed as decimals: exact, so the residual does not depend on the order in which a parallel sum adds
-- the members (a double sum does, in its last bits)
member_sums as (
    select
        indicator_code,
        period,
        grain,
        grain_key,
        dimension,
        cast(sum(cast(member_value as decimal(38, 12))) as double) as member_values,
        cast(sum(cast(member_previous_value as decimal(38, 12))) as double) as member_previous_values,
        cast(sum(cast(member_denominator as decimal(38, 12))) as double) as member_denominators,
        cast(sum(cast(member_previous_denominator as decimal(38, 12))) as double) as member_previous_denominators,
        cast(sum(cast(member_denominator * member_value as decimal(38, 12)))
            filter (where member_denominator > 0) as double) as member_weighted,
        cast(sum(cast(member_previous_denominator * member_previous_value as decimal(38, 12)))
            filter (where member_previous_denominator > 0) as double) as member_previous_weighted
    from members
    group by indicator_code, period, grain, grain_key, dimension
),

remainders as (
    select
        t.*,
        t.value - coalesce(s.member_values, 0) as residual_value,
        t.previous_value - coalesce(s.member_previous_values, 0) as residual_previous_value,
        t.denominator - coalesce(s.member_denominators, 0) as residual_denominator,
        t.previous_denominator - coalesce(s.member_previous_denominators, 0) as residual_previous_denominator,
        t.denominator * t.value - coalesce(s.member_weighted, 0) as residual_weighted,
        t.previous_denominator * t.previous_value - coalesce(s.member_previous_weighted, 0)
            as residual_previous_weighted
    from totals as t
    left join member_sums as s using (indicator_code, period, grain, grain_key, dimension)
),

residuals as (
    select
        indicator_code, period, previous_period, grain, grain_key, dimension, unit, is_ratio, may_overlap,
        value, previous_value, change, denominator, previous_denominator,
        null as member_key,
        case
            when not is_ratio then residual_value
            when residual_denominator > 1e-9 * denominator then residual_weighted / residual_denominator
        end as member_value,
        case
            when not is_ratio then residual_previous_value
            when residual_previous_denominator > 1e-9 * previous_denominator
                then residual_previous_weighted / residual_previous_denominator
        end as member_previous_value,
        case when residual_denominator > 1e-9 * denominator then residual_denominator else 0 end
            as member_denominator,
        case when residual_previous_denominator > 1e-9 * previous_denominator
            then residual_previous_denominator else 0 end as member_previous_denominator
    from remainders
    where (not is_ratio and greatest(abs(residual_value), abs(residual_previous_value))
            > 1e-9 * greatest(1, abs(value), abs(previous_value)))
        or (is_ratio and (residual_denominator > 1e-9 * denominator
            or residual_previous_denominator > 1e-9 * previous_denominator))
),

all_members as (
    select *, false as is_residual from members
    union all by name
    select *, true as is_residual from residuals
),

weighted as (
    select
        *,
        case when is_ratio then member_denominator / denominator end as member_weight,
        case when is_ratio then member_previous_denominator / previous_denominator end as member_previous_weight,
        -- a member absent in one month (no denominator) takes its rate of the other month there
        case when member_denominator > 0 then member_value end as rate_now,
        case when member_previous_denominator > 0 then member_previous_value end as rate_before
    from all_members
),

-- (+ 0.0 turns an IEEE −0.0, a negative factor times a zero one, into 0)
decomposed as (
    select
        *,
        case when is_ratio then coalesce(
            (member_previous_weight + member_weight) / 2
                * (coalesce(rate_now, rate_before) - coalesce(rate_before, rate_now)), 0) + 0.0
        end as rate_effect,
        case when is_ratio then coalesce(
            ((coalesce(rate_before, rate_now) + coalesce(rate_now, rate_before)) / 2 - (previous_value + value) / 2)
                * (member_weight - member_previous_weight), 0) + 0.0
        end as mix_effect
    from weighted
),

contributions as (
    select
        *,
        case
            when is_ratio then rate_effect + mix_effect
            else coalesce(member_value, 0) - coalesce(member_previous_value, 0)
        end as contribution
    from decomposed
),

named as (
    select
        c.*,
        case
            when c.is_residual then
                '其他（未归属' || case c.dimension when 'city' then '地市' when 'county' then '区县'
                    when 'institution' then '机构' else '类型' end
                || case when c.may_overlap then '或重复计数' else '' end || '）'
            when c.dimension = 'city' then coalesce(ci.city_name, c.member_key)
            when c.dimension = 'county' then coalesce(co.name, c.member_key)
            when c.dimension = 'institution' then coalesce(i.institution_name, c.member_key)
            when c.dimension = 'issuer_type' then coalesce(iss.name_zh, c.member_key)
        end as member_name
    from contributions as c
    left join cities as ci on c.dimension = 'city' and ci.city_code = c.member_key
    left join counties as co on c.dimension = 'county' and co.code = c.member_key
    left join institutions as i on c.dimension = 'institution' and i.institution_id = c.member_key
    left join issuers as iss on c.dimension = 'issuer_type' and iss.issuer_type = c.member_key
),

final as (
    select
        indicator_code,
        period,
        previous_period,
        grain,
        grain_key,
        dimension,
        coalesce(member_key, '') as member_key,
        member_name,
        is_residual,
        case when is_ratio then 'ratio' else 'sum' end as method,
        unit,
        value,
        previous_value,
        change,
        member_value,
        member_previous_value,
        member_weight,
        member_previous_weight,
        rate_effect,
        mix_effect,
        contribution,
        -- 1 = the largest contribution in the direction of the change (the largest rise when it rose); equal
        -- contributions (to 9 decimals: not by a last-bit difference of a parallel sum) by member
        row_number() over (
            partition by indicator_code, period, grain, grain_key, dimension
            order by round(case when change < 0 then -contribution else contribution end, 9) desc, is_residual,
                member_key
        ) as contribution_rank
    from named
)

-- stored in the order the pages ask for it: one area's month sits in few row groups
select * from final
order by grain, grain_key, period, indicator_code, dimension, contribution_rank
