-- A9 (warning): the committed herstel_conditie_56 of a corporation in a municipality, summed over
-- the years after the latest snapshot (as of `as_of`), exceeds the homes with condition score 5
-- or 6 it owns there in that snapshot (int_commitments_over_latest_stock). Like A8, only for
-- corporations with an accepted file in that snapshot (the others are R13).
with

overcommitted as (
    select * from {{ ref('int_commitments_over_latest_stock') }}
    where indicator_code = 'herstel_conditie_56' and committed > owned
),

municipalities as (
    select * from {{ ref('int_municipalities_selected') }}
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'A9' as check_code,
        'warning' as severity,
        overcommitted.corporation_id || ' in ' || overcommitted.municipality_code as entity,
        overcommitted.corporation_id || ' commits to restore '
            || format('{:,.0f}', overcommitted.committed) || ' homes in condition 5 or 6 in '
            || overcommitted.municipality_code
            || coalesce(' ' || municipalities.municipality_name, '')
            || ' after ' || year(overcommitted.latest_snapshot_date) || ', but owns '
            || format('{:,}', overcommitted.owned) || ' such homes there on '
            || overcommitted.latest_snapshot_date as detail,
        overcommitted.source_files as source_file
    from overcommitted
    left join municipalities
        on overcommitted.municipality_code = municipalities.municipality_code
)

select * from final
