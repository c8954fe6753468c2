-- A8 (error): the committed verbetering_efg of a corporation in a municipality, summed over the
-- years after the latest snapshot, exceeds the E/F/G homes it owns there in that snapshot. The gate
-- itself is the dbt engineer's int_commitments_efg_overcommitted (fct_commitments leaves those
-- commitments out); this model words it as a finding.
with

overcommitted as (
    select * from {{ ref('int_commitments_efg_overcommitted') }}
),

commitments as (
    select * from {{ ref('int_commitments_booked') }}
    where indicator_code = 'verbetering_efg'
),

files as (
    select municipality_code, corporation_id, string_agg(distinct source_file, ', ' order by source_file) as source_files
    from commitments
    group by municipality_code, corporation_id
),

municipalities as (
    select * from {{ ref('int_municipalities_selected') }}
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'A8' as check_code,
        'error' as severity,
        overcommitted.corporation_id || ' in ' || overcommitted.municipality_code as entity,
        overcommitted.corporation_id || ' commits to improve ' || format('{:,.0f}', overcommitted.committed_efg)
            || ' E/F/G homes in ' || overcommitted.municipality_code
            || coalesce(' ' || municipalities.municipality_name, '')
            || ' after ' || year(overcommitted.latest_snapshot_date) || ', but owns '
            || format('{:,}', overcommitted.efg_stock) || ' homes with label E, F or G there on '
            || overcommitted.latest_snapshot_date
            || '; its verbetering_efg commitments in this municipality are left out' as detail,
        files.source_files as source_file
    from overcommitted
    left join files
        on overcommitted.municipality_code = files.municipality_code
        and overcommitted.corporation_id = files.corporation_id
    left join municipalities
        on overcommitted.municipality_code = municipalities.municipality_code
)

select * from final
