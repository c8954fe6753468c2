-- The stock per visible snapshot and area. Areas without dwellings are left out; national is
-- there for every snapshot.
with

stock as (
    select * from {{ ref('int_register_stock_aggregated') }}
),

areas as (
    select * from {{ ref('int_municipality_areas_unioned') }}
),

summed as (
    select
        stock.snapshot_date,
        areas.area_level,
        areas.area_code,
        areas.area_name,
        sum(stock.n_dwellings) as n_dwellings,
        sum(stock.n_label_efg) as n_label_efg,
        sum(stock.n_label_missing) as n_label_missing,
        sum(stock.n_condition_56) as n_condition_56,
        sum(stock.n_condition_5) as n_condition_5,
        sum(stock.n_condition_6) as n_condition_6,
        sum(stock.n_condition_missing) as n_condition_missing,
        sum(stock.n_gas_boiler) as n_gas_boiler,
        sum(stock.n_heat_pump) as n_heat_pump,
        sum(stock.n_solar_panels) as n_solar_panels,
        sum(stock.n_clustered_elderly) as n_clustered_elderly,
        sum(stock.n_flex) as n_flex
    from stock
    inner join areas
        on stock.municipality_code = areas.municipality_code
    group by stock.snapshot_date, areas.area_level, areas.area_code, areas.area_name
),

final as (
    select
        snapshot_date,
        area_level,
        area_code,
        area_name,
        cast(n_dwellings as bigint) as n_dwellings,
        cast(n_label_efg as bigint) as n_label_efg,
        cast(n_label_missing as bigint) as n_label_missing,
        n_label_efg / n_dwellings as share_label_efg,
        cast(n_condition_56 as bigint) as n_condition_56,
        cast(n_condition_5 as bigint) as n_condition_5,
        cast(n_condition_6 as bigint) as n_condition_6,
        cast(n_condition_missing as bigint) as n_condition_missing,
        cast(n_gas_boiler as bigint) as n_gas_boiler,
        cast(n_heat_pump as bigint) as n_heat_pump,
        cast(n_solar_panels as bigint) as n_solar_panels,
        cast(n_clustered_elderly as bigint) as n_clustered_elderly,
        cast(n_flex as bigint) as n_flex
    from summed
)

select * from final
