-- Register units of the snapshots visible as of `as_of` (peildatum on or before it), with the
-- municipality mapped forward to the reporting set and the corporation to its successor. Only the
-- columns the realisation, stock and checks need (it is the largest table dbt writes).
with

units as (
    select * from {{ ref('stg_raw__register_units') }}
    where {{ visible_as_of('snapshot_date') }}
),

municipality_codes as (
    select * from {{ ref('int_municipality_codes_mapped') }}
),

corporations as (
    select * from {{ ref('int_corporations_mapped') }}
),

files as (
    -- numbered in name order, for a compact unit key
    select source_file, row_number() over (order by source_file) as file_number
    from units
    group by source_file
),

final as (
    select
        -- a compact key for joins: (source_file, source_row) identifies the row
        files.file_number * 100000000 + units.source_row as unit_key,
        units.snapshot_date,
        year(units.snapshot_date) as snapshot_year,
        coalesce(corporations.successor_corporation_id, units.corporation_id) as corporation_id,
        units.corporation_id as reported_corporation_id,
        units.unit_number,
        units.bag_vbo_id,
        municipality_codes.municipality_code,
        units.municipality_code as reported_municipality_code,
        units.construction_year,
        units.energy_label,
        units.condition_score,
        units.heating,
        units.has_solar_panels,
        units.is_clustered_elderly,
        units.is_flex,
        units.source_file,
        units.source_row
    from units
    inner join files
        on units.source_file = files.source_file
    left join municipality_codes
        on units.municipality_code = municipality_codes.reported_municipality_code
    left join corporations
        on units.corporation_id = corporations.corporation_id
)

select * from final
