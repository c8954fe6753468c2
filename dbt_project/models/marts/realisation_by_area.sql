-- What the register shows was realised, per pair of consecutive snapshots, area and indicator
-- (attributed to the year of the later snapshot). Areas where nothing was realised are left out;
-- national is there for every pair and every register-derived indicator (zero included).
with

realisations as (
    select * from {{ ref('int_realisations_classified') }}
),

snapshots as (
    select * from {{ ref('int_register_snapshots_ordered') }}
),

indicators as (
    select * from {{ ref('dim_indicator') }}
    where from_register
),

areas as (
    select * from {{ ref('int_municipality_areas_unioned') }}
),

pairs as (
    select previous_snapshot_date as from_snapshot, snapshot_date as to_snapshot, snapshot_year as year
    from snapshots
    where previous_snapshot_date is not null
),

by_area as (
    select
        realisations.from_snapshot,
        realisations.to_snapshot,
        realisations.year,
        areas.area_level,
        areas.area_code,
        areas.area_name,
        realisations.indicator_code,
        sum(realisations.realised_value) as realised_value
    from realisations
    inner join areas
        on realisations.municipality_code = areas.municipality_code
    group by realisations.from_snapshot, realisations.to_snapshot, realisations.year,
        areas.area_level, areas.area_code, areas.area_name, realisations.indicator_code
),

national_always as (
    select
        pairs.from_snapshot,
        pairs.to_snapshot,
        pairs.year,
        'national' as area_level,
        'NL' as area_code,
        'Nederland' as area_name,
        indicators.indicator_code,
        0 as realised_value
    from pairs
    cross join indicators
),

combined as (
    select * from by_area
    union all
    select * from national_always
),

final as (
    select
        from_snapshot,
        to_snapshot,
        cast(year as integer) as year,
        area_level,
        area_code,
        area_name,
        indicator_code,
        cast(sum(realised_value) as bigint) as realised_value
    from combined
    group by from_snapshot, to_snapshot, year, area_level, area_code, area_name, indicator_code
)

select * from final
