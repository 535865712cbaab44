{#-
    One row per key, by the feeds' rules for a key delivered more than once. Every staging model that
    removes duplicates calls deduplicate(); nothing else chooses among copies.

    Copies are ordered by delivery: partition date (business_date), then row in the file (row_number),
    then file_name (the loader sets the three on every row, never NULL).
      keep='earliest'  the copy from the earliest partition wins, then the first row in the file
                       (feeds.md Clarifications 4 and 10: events, credit reports; the register's sheets,
                       where a key is listed twice in one snapshot, with key = snapshot_date + id)
      keep='latest'    the latest in delivery order supersedes the earlier rows (Clarification 5:
                       authorizations)

    Only the keys delivered more than once need choosing: repeated_copies() finds them with the
    provenance of the copy kept, as a min()/max() of the (business_date, row_number, file_name) struct —
    the same row a row_number() over that order would pick, without sorting every row.

      relation   a CTE or relation with the key columns and business_date, row_number, file_name
      key        list of key column names
      keep       'earliest' | 'latest'
      copies     a relation already holding repeated_copies() of `relation` (so that a wide feed's
                 repeated keys are found once, in a small table), else they are found here
      count_as   name of a column counting the copies delivered of each kept row (1 when delivered once)
-#}
{% macro repeated_copies(relation, key, keep='earliest') -%}
    {%- if keep not in ('earliest', 'latest') -%}
        {{ exceptions.raise_compiler_error("deduplicate: keep is 'earliest' or 'latest', not " ~ keep) }}
    {%- endif -%}
    select
        {{ key | join(', ') }},
        count(*) as copies_delivered,
        {{ 'min' if keep == 'earliest' else 'max' }}((business_date, row_number, file_name)) as kept_copy
    from {{ relation }}
    group by {{ key | join(', ') }}
    having count(*) > 1
{%- endmacro %}

{% macro deduplicate(relation, key, keep='earliest', copies=none, count_as=none) -%}
    select
        r.*{% if count_as %},
        coalesce(c.copies_delivered, 1) as {{ count_as }}{% endif %}
    from {{ relation }} as r
    left join {% if copies is not none %}{{ copies }}{% else %}({{ repeated_copies(relation, key, keep) }}){% endif %} as c
        on {% for k in key %}c.{{ k }} is not distinct from r.{{ k }}{{ ' and ' if not loop.last }}{% endfor %}
    where c.kept_copy is null
        or (r.business_date, r.row_number, r.file_name) = c.kept_copy
{%- endmacro %}
