-- The stock per snapshot, municipality (reporting set) and corporation (after merger mapping).
with

units as (
    select * from {{ ref('int_register_units_visible') }}
),

snapshots as (
    select * from {{ ref('int_register_snapshots_ordered') }}
),

stock as (
    select
        snapshot_date,
        municipality_code,
        corporation_id,
        count(*) as n_dwellings,
        count_if(energy_label in ('E', 'F', 'G')) as n_label_efg,
        count_if(energy_label is null) as n_label_missing,
        count_if(condition_score in (5, 6)) as n_condition_56,
        count_if(condition_score = 5) as n_condition_5,
        count_if(condition_score = 6) as n_condition_6,
        count_if(condition_score is null) as n_condition_missing,
        count_if(heating = 'gasketel') as n_gas_boiler,
        count_if(heating in ('warmtepomp', 'hybride')) as n_heat_pump,
        count_if(has_solar_panels) as n_solar_panels,
        count_if(is_clustered_elderly) as n_clustered_elderly,
        count_if(is_flex) as n_flex
    from units
    group by snapshot_date, municipality_code, corporation_id
),

final as (
    select
        stock.*,
        snapshots.is_latest as is_latest_snapshot
    from stock
    inner join snapshots
        on stock.snapshot_date = snapshots.snapshot_date
)

select * from final
