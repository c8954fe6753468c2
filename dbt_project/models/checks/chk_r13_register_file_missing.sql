-- R13 (warning): a corporation (after merger mapping) has an accepted register file for only one
-- of two consecutive snapshots; it is left out of the realisation of that pair, so a missing or
-- rejected file never shows up as mass outflow or new building.
with

compared as (
    select * from {{ ref('int_register_corporations_compared') }}
    where {{ visible_as_of('to_snapshot') }} and not is_compared
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'R13' as check_code,
        'warning' as severity,
        corporation_id as entity,
        corporation_id || ' has no accepted register file for '
            || case when has_from_file then to_snapshot else from_snapshot end
            || ' (only for ' || case when has_from_file then from_snapshot else to_snapshot end
            || '; no register/' || case when has_from_file then to_snapshot else from_snapshot end || '/'
            || corporation_id || '.csv or .parquet, or it was rejected): it is left out of the realisation of '
            || year as detail,
        coalesce(to_source_files, from_source_files) as source_file
    from compared
)

select * from final
