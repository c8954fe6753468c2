-- The projected stock of every stock target, per area and year, from the year after the latest
-- snapshot's year up to and including year_to: the stock in the latest snapshot minus the
-- improvements committed from the year after that snapshot up to and including the year (not
-- clamped at zero). Areas with neither stock nor commitments for the target are left out.
with

targets as (
    select * from {{ ref('national_targets') }}
    where kind = 'stock'
),

latest_snapshot as (
    select snapshot_date, snapshot_year
    from {{ ref('int_register_snapshots_ordered') }}
    where is_latest
),

stock as (
    select stock.*
    from {{ ref('stock_by_area') }} as stock
    inner join latest_snapshot on stock.snapshot_date = latest_snapshot.snapshot_date
),

commitments as (
    select * from {{ ref('commitments_by_area') }}
),

stock_per_indicator as (
    select area_level, area_code, area_name, 'verbetering_efg' as indicator_code, n_label_efg as stock_value
    from stock
    union all
    select area_level, area_code, area_name, 'herstel_conditie_56', n_condition_56
    from stock
),

target_years as (
    select
        targets.target_code,
        targets.indicator_code,
        latest_snapshot.snapshot_date as latest_snapshot_date,
        latest_snapshot.snapshot_year + 1 as first_year,
        unnest(generate_series(latest_snapshot.snapshot_year + 1, targets.year_to)) as year
    from targets
    cross join latest_snapshot
    where targets.indicator_code in ('verbetering_efg', 'herstel_conditie_56')
      and targets.year_to is not null
),

target_areas as (
    select distinct targets.target_code, stock_per_indicator.area_level, stock_per_indicator.area_code,
        stock_per_indicator.area_name
    from targets
    inner join stock_per_indicator
        on targets.indicator_code = stock_per_indicator.indicator_code
    union
    select distinct targets.target_code, commitments.area_level, commitments.area_code, commitments.area_name
    from targets
    cross join latest_snapshot
    inner join commitments
        on targets.indicator_code = commitments.indicator_code
        and commitments.year > latest_snapshot.snapshot_year
        and commitments.year <= targets.year_to
),

projected as (
    select
        target_areas.area_level,
        target_areas.area_code,
        target_areas.area_name,
        target_years.target_code,
        target_years.indicator_code,
        target_years.year,
        target_years.latest_snapshot_date,
        coalesce(max(stock_per_indicator.stock_value), 0)
            - coalesce({{ exact_sum('commitments.committed_value') }}, 0) as projected_stock
    from target_years
    inner join target_areas
        on target_years.target_code = target_areas.target_code
    left join stock_per_indicator
        on stock_per_indicator.indicator_code = target_years.indicator_code
        and stock_per_indicator.area_level = target_areas.area_level
        and stock_per_indicator.area_code = target_areas.area_code
    left join commitments
        on commitments.indicator_code = target_years.indicator_code
        and commitments.area_level = target_areas.area_level
        and commitments.area_code = target_areas.area_code
        and commitments.year between target_years.first_year and target_years.year
    group by target_areas.area_level, target_areas.area_code, target_areas.area_name,
        target_years.target_code, target_years.indicator_code, target_years.year,
        target_years.latest_snapshot_date
),

final as (
    select
        area_level,
        area_code,
        area_name,
        target_code,
        cast(year as integer) as year,
        cast(projected_stock as double) as projected_stock,
        indicator_code,
        latest_snapshot_date
    from projected
)

select * from final
