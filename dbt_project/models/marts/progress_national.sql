-- Every national target against the national sum of the local commitments (marts.md,
-- "Definitions"). Flow targets: committed_value sums the indicator over year_from..year_to (all
-- committed years from year_from when year_to is null), gap = committed - target, on track when
-- gap >= 0, realised_value the register-derived realisation in those years (null for indicators
-- without one or when no realisation year falls in the period). Stock targets: committed_value
-- sums the committed improvements in the years after the latest snapshot up to year_to,
-- projected_value = stock in the latest snapshot - committed_value (not clamped), gap =
-- projected - target, on track when gap <= 0.
with

targets as (
    select * from {{ ref('national_targets') }}
),

indicators as (
    select * from {{ ref('dim_indicator') }}
),

commitments as (
    select year, indicator_code, committed_value
    from {{ ref('commitments_by_area') }}
    where area_level = 'national'
),

realisation as (
    select year, indicator_code, sum(realised_value) as realised_value
    from {{ ref('realisation_by_area') }}
    where area_level = 'national'
    group by year, indicator_code
),

realisation_years as (
    select distinct year from realisation
),

latest_snapshot as (
    select snapshot_date, snapshot_year
    from {{ ref('int_register_snapshots_ordered') }}
    where is_latest
),

latest_stock as (
    -- the stock a stock target's indicator works down, in the latest snapshot
    select 'verbetering_efg' as indicator_code, stock.n_label_efg as stock_value
    from {{ ref('stock_by_area') }} as stock
    inner join latest_snapshot on stock.snapshot_date = latest_snapshot.snapshot_date
    where stock.area_level = 'national'
    union all
    select 'herstel_conditie_56', stock.n_condition_56
    from {{ ref('stock_by_area') }} as stock
    inner join latest_snapshot on stock.snapshot_date = latest_snapshot.snapshot_date
    where stock.area_level = 'national'
),

target_windows as (
    -- the committed years each target sums
    select
        targets.*,
        case
            when targets.kind = 'stock' and latest_snapshot.snapshot_year is not null
                then latest_snapshot.snapshot_year + 1
            else targets.year_from
        end as first_committed_year,
        coalesce(targets.year_to, 9999) as last_committed_year,
        latest_snapshot.snapshot_date as latest_snapshot_date
    from targets
    left join latest_snapshot on true
),

committed as (
    select
        target_windows.target_code,
        coalesce({{ exact_sum('commitments.committed_value') }}, 0) as committed_value
    from target_windows
    left join commitments
        on commitments.indicator_code = target_windows.indicator_code
        and commitments.year between target_windows.first_committed_year
            and target_windows.last_committed_year
    group by target_windows.target_code
),

realised as (
    select
        target_windows.target_code,
        count(realisation_years.year) > 0 as has_realisation_year,
        coalesce(sum(realisation.realised_value), 0) as realised_value
    from target_windows
    left join realisation_years
        on realisation_years.year between target_windows.year_from and target_windows.last_committed_year
    left join realisation
        on realisation.year = realisation_years.year
        and realisation.indicator_code = target_windows.indicator_code
    group by target_windows.target_code
),

joined as (
    select
        target_windows.target_code,
        target_windows.indicator_code,
        target_windows.kind,
        target_windows.year_from,
        target_windows.year_to,
        target_windows.target_value,
        target_windows.unit,
        committed.committed_value,
        case
            when target_windows.kind = 'flow' and indicators.from_register and realised.has_realisation_year
                then realised.realised_value
        end as realised_value,
        case
            when target_windows.kind = 'stock'
                then latest_stock.stock_value - committed.committed_value
        end as projected_value,
        case when target_windows.kind = 'stock' then target_windows.latest_snapshot_date end
            as latest_snapshot_date
    from target_windows
    inner join committed on target_windows.target_code = committed.target_code
    inner join realised on target_windows.target_code = realised.target_code
    left join indicators on target_windows.indicator_code = indicators.indicator_code
    left join latest_stock on target_windows.indicator_code = latest_stock.indicator_code
),

final as (
    select
        target_code,
        indicator_code,
        kind,
        year_from,
        year_to,
        target_value,
        unit,
        cast(committed_value as double) as committed_value,
        cast(realised_value as double) as realised_value,
        cast(projected_value as double) as projected_value,
        cast(
            case
                when kind = 'flow' then committed_value - target_value
                else projected_value - target_value
            end as double
        ) as gap,
        case
            when kind = 'flow' then committed_value - target_value >= 0
            else projected_value - target_value <= 0
        end as on_track,
        latest_snapshot_date
    from joined
)

select * from final
