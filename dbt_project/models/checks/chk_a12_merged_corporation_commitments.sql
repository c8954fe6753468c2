-- A12 (warning): commitments, in a signed agreement that counts, of a corporation that has merged
-- since; they are counted for the corporation it merged into (the end of the chain). One finding
-- per workbook and merged corporation.
with

workbooks as (
    select * from {{ ref('int_agreement_workbooks_ranked') }}
    where is_counting
),

agreement_rows as (
    select * from {{ ref('stg_raw__agreement_rows') }}
),

corporations as (
    select * from {{ ref('int_corporations_mapped') }}
    where is_merged
),

merged_rows as (
    select
        agreement_rows.source_file,
        workbooks.reported_municipality_code,
        agreement_rows.corporation_id,
        corporations.successor_corporation_id,
        corporations.dissolved_on,
        count(*) as n_rows
    from agreement_rows
    inner join workbooks
        on agreement_rows.source_file = workbooks.source_file
    inner join corporations
        on agreement_rows.corporation_id = corporations.corporation_id
    group by all
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'A12' as check_code,
        'warning' as severity,
        corporation_id || ' -> ' || successor_corporation_id as entity,
        source_file || ': ' || n_rows || ' commitment row(s) of ' || corporation_id
            || ', which has merged' || coalesce(' (dissolved ' || dissolved_on || ')', '')
            || ', are counted for ' || successor_corporation_id
            || ' in ' || reported_municipality_code as detail,
        source_file
    from merged_rows
)

select * from final
