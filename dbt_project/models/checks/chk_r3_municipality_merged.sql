-- R3 (warning): register rows carrying the gemeentecode of a municipality that has merged since;
-- they are counted for its (primary) successor in the reporting set. One finding per register
-- file and merged code, with the number of dwellings.
with

units as (
    select * from {{ ref('int_register_units_visible') }}
),

codes as (
    select * from {{ ref('int_municipality_codes_mapped') }}
    where is_merged
),

reporting_set as (
    select * from {{ ref('int_municipalities_selected') }}
),

known_names as (
    select municipality_code, arg_max(municipality_name, year) as municipality_name
    from {{ ref('stg_raw__ref_municipalities') }}
    group by municipality_code
),

per_file as (
    select
        units.source_file,
        units.reported_corporation_id,
        units.reported_municipality_code,
        units.municipality_code,
        count(*) as n_dwellings
    from units
    inner join codes
        on units.reported_municipality_code = codes.reported_municipality_code
    group by all
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'R3' as check_code,
        'warning' as severity,
        per_file.reported_municipality_code || ' -> ' || coalesce(per_file.municipality_code, '?') as entity,
        per_file.source_file || ': ' || per_file.n_dwellings || ' dwelling(s) of '
            || per_file.reported_corporation_id || ' carry gemeentecode ' || per_file.reported_municipality_code
            || coalesce(' (' || known_names.municipality_name || ')', '')
            || ', a municipality that has merged; they are counted for '
            || coalesce(per_file.municipality_code || coalesce(' ' || reporting_set.municipality_name, ''), '(no successor in the reporting set)')
            as detail,
        per_file.source_file
    from per_file
    left join known_names
        on per_file.reported_municipality_code = known_names.municipality_code
    left join reporting_set
        on per_file.municipality_code = reporting_set.municipality_code
)

select * from final
