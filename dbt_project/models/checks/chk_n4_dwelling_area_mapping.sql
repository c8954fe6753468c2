-- N4 (error): a register dwelling (of the snapshots visible as of `as_of`) maps to no area, or to
-- more than one, on some area level: its municipality code does not lead into the reporting set,
-- or its municipality has no (or several) COROP region, province, national or housing-market
-- region (when that file is supplied) in the area bridge. One finding per register file,
-- municipality and problem, with the number of dwellings.
with

units as (
    select * from {{ ref('int_register_units_visible') }}
),

municipalities as (
    select * from {{ ref('int_municipalities_selected') }}
),

areas as (
    select * from {{ ref('int_municipality_areas_unioned') }}
),

levels as (
    select 'municipality' as area_level
    union all select 'corop_region'
    union all select 'province'
    union all select 'national'
    union all
    select distinct 'housing_market_region' from municipalities where housing_market_region is not null
),

areas_per_level as (
    select
        municipalities.municipality_code,
        levels.area_level,
        count(areas.area_code) as n_areas
    from municipalities
    cross join levels
    left join areas
        on areas.municipality_code = municipalities.municipality_code
        and areas.area_level = levels.area_level
    group by all
),

problems as (
    select
        units.source_file,
        units.reported_municipality_code as municipality_code,
        'gemeentecode ' || units.reported_municipality_code
            || ' does not lead to a municipality of the reporting set' as problem,
        units.reported_corporation_id || ' VHE ' || units.unit_number || ' (row ' || units.source_row || ')' as example,
        units.source_row
    from units
    where units.municipality_code is null
    union all
    select
        units.source_file,
        units.municipality_code,
        'municipality ' || units.municipality_code || ' maps to '
            || case when areas_per_level.n_areas = 0 then 'no ' else areas_per_level.n_areas || ' areas of level ' end
            || areas_per_level.area_level,
        units.reported_corporation_id || ' VHE ' || units.unit_number || ' (row ' || units.source_row || ')',
        units.source_row
    from units
    inner join areas_per_level
        on units.municipality_code = areas_per_level.municipality_code
    where areas_per_level.n_areas <> 1
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'N4' as check_code,
        'error' as severity,
        municipality_code as entity,
        source_file || ': ' || count(*) || ' dwelling(s): ' || problem || '; they are missing from the roll-ups; e.g. '
            || array_to_string(list(example order by source_row)[1:10], ', ') as detail,
        source_file
    from problems
    group by source_file, municipality_code, problem
)

select * from final
