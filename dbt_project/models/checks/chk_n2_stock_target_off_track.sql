-- N2 (warning): a stock target is not on track in an area: the projected stock at the end of the
-- target's last year (marts.stock_trajectory) is above the target. One finding per target and
-- area below the national level (the national picture is N1).
with

targets as (
    select * from {{ ref('national_targets') }}
    where kind = 'stock'
),

trajectory as (
    select * from {{ ref('stock_trajectory') }}
    where area_level <> 'national'
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'N2' as check_code,
        'warning' as severity,
        trajectory.target_code || ' ' || trajectory.area_code as entity,
        trajectory.target_code || ' in ' || trajectory.area_level || ' ' || trajectory.area_code
            || ' (' || trajectory.area_name || '): projected stock at the end of ' || trajectory.year
            || ' is ' || format('{:,.0f}', trajectory.projected_stock) || ' against a target of '
            || format('{:,.0f}', targets.target_value) || ' ' || coalesce(targets.unit, '') as detail,
        cast(null as varchar) as source_file
    from trajectory
    inner join targets
        on trajectory.target_code = targets.target_code
        and trajectory.year = targets.year_to
    where trajectory.projected_stock > targets.target_value
)

select * from final
