-- Register units of every snapshot, with the municipality mapped forward to the reporting set and
-- the corporation to its successor. Only the columns the realisation, stock and checks need. It is
-- the largest table dbt writes, and high-cardinality strings are the costly part of writing it: the
-- bag id is kept as a number.
-- No reference date here (consumers read int_register_units_visible): the table is the same in
-- every build from the same raw layer, so an as-of build takes the nightly's (as_of.py, tag
-- as_of_independent).
-- Incremental per register file (macros/register_increment.sql): a nightly where a few files
-- changed deletes those files' rows (pre_hook) and appends their new rows; every row depends on
-- its own file and the reference data only, and a change of reference data or code is a full
-- rebuild.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    tags=['as_of_independent'],
    pre_hook="{{ register_units_replace_hook() }}",
) }}
with

units as (
    -- only the columns kept, read once (streamed into the table)
    select
        source_file, source_row, snapshot_date, corporation_id, unit_number, bag_vbo_id,
        municipality_code, construction_year, energy_label, condition_score, heating,
        has_solar_panels, is_clustered_elderly, is_flex
    from {{ ref('stg_raw__register_units') }}
    {%- if register_increment() %}
    where source_file in {{ register_files_changed_literals() }}
    {%- endif %}
),

municipality_codes as (
    select * from {{ ref('int_municipality_codes_mapped') }}
),

corporations as (
    select * from {{ ref('int_corporations_mapped') }}
),

final as (
    select
        -- a compact key for joins: (source_file, source_row) identifies the row; the file's number
        -- does not depend on the other files, so an incremental build keeps every other key
        {{ register_file_id('units.source_file') }} * 100000000 + units.source_row as unit_key,
        units.snapshot_date,
        coalesce(corporations.successor_corporation_id, units.corporation_id) as corporation_id,
        units.corporation_id as reported_corporation_id,
        units.unit_number,
        -- the BAG id in two columns that are cheap to write and to match on: a number when it has
        -- the 16 digits of a BAG id (one to one: the length is fixed), else the text as written
        case when regexp_full_match(units.bag_vbo_id, '[0-9]{16}') then cast(units.bag_vbo_id as bigint) end
            as bag_vbo_number,
        case when not regexp_full_match(units.bag_vbo_id, '[0-9]{16}') then units.bag_vbo_id end
            as bag_vbo_text,
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
    left join municipality_codes
        on units.municipality_code = municipality_codes.reported_municipality_code
    left join corporations
        on units.corporation_id = corporations.corporation_id
)

select * from final
