-- Every (base indicator, grain) pair of the catalog is published at province and city for every data
-- month, and no indicator is published at a grain its catalog entry does not list.
with

catalog as (
    select code, unnest(list_transform(string_split(grains, ','), lambda x: trim(x))) as grain
    from {{ ref('indicator_catalog') }}
),

published as (
    select distinct indicator_code, grain from {{ ref('fct_indicator_values') }}
),

missing as (
    select c.code as indicator_code, c.grain, 'missing at province/city' as problem
    from catalog as c
    where c.grain in ('province', 'city')
        and exists (select 1 from {{ ref('int_months_spanned') }})
        and not exists (
            select 1 from published as p where p.indicator_code = c.code and p.grain = c.grain
        )
),

unexpected as (
    select p.indicator_code, p.grain, 'grain not in catalog' as problem
    from published as p
    left join catalog as c
        on c.grain = p.grain
        and c.code = regexp_replace(p.indicator_code, '_(MOM|YOY|YTD)$', '')
    where c.code is null
)

select * from missing
union all
select * from unexpected
