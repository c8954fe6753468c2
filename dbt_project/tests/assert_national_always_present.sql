-- `national` is always present: a stock_by_area row for every visible snapshot, a
-- realisation_by_area row for every snapshot pair and register-derived indicator, and a
-- commitments_by_area row for every year and indicator committed anywhere.
with

snapshots as (
    select * from {{ ref('int_register_snapshots_ordered') }}
),

register_indicators as (
    select indicator_code from {{ ref('dim_indicator') }} where from_register
),

missing_stock as (
    select 'stock_by_area' as model, cast(snapshots.snapshot_date as varchar) as missing_key
    from snapshots
    anti join {{ ref('stock_by_area') }} as stock
        on stock.snapshot_date = snapshots.snapshot_date and stock.area_level = 'national'
),

missing_realisation as (
    select 'realisation_by_area', snapshots.snapshot_date || ' ' || register_indicators.indicator_code
    from snapshots
    cross join register_indicators
    anti join {{ ref('realisation_by_area') }} as realisation
        on realisation.to_snapshot = snapshots.snapshot_date
        and realisation.indicator_code = register_indicators.indicator_code
        and realisation.area_level = 'national'
    where snapshots.previous_snapshot_date is not null
),

missing_commitments as (
    select distinct 'commitments_by_area', committed.year || ' ' || committed.indicator_code
    from {{ ref('commitments_by_area') }} as committed
    anti join {{ ref('commitments_by_area') }} as national
        on national.year = committed.year
        and national.indicator_code = committed.indicator_code
        and national.area_level = 'national'
)

select * from missing_stock
union all
select * from missing_realisation
union all
select * from missing_commitments
