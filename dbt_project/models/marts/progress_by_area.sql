-- Committed against realised per area, year and indicator, like-named indicators only. Rows: every
-- area/year/indicator with a commitment, and every one with a realisation of an indicator that
-- agreements also commit. realised_value is null where the indicator has no register counterpart
-- or no realisation falls in that year; realisation_share is null when nothing was committed.
with

committed as (
    select * from {{ ref('commitments_by_area') }}
),

realisation as (
    select * from {{ ref('realisation_by_area') }}
),

indicators as (
    select * from {{ ref('dim_indicator') }}
),

realisation_years as (
    select distinct year from realisation
),

realised as (
    select
        realisation.area_level,
        realisation.area_code,
        realisation.area_name,
        realisation.year,
        realisation.indicator_code,
        sum(realisation.realised_value) as realised_value
    from realisation
    inner join indicators
        on realisation.indicator_code = indicators.indicator_code
    where indicators.from_agreements
    group by realisation.area_level, realisation.area_code, realisation.area_name,
        realisation.year, realisation.indicator_code
),

area_keys as (
    select area_level, area_code, area_name, year, indicator_code from committed
    union
    select area_level, area_code, area_name, year, indicator_code from realised
),

joined as (
    select
        area_keys.area_level,
        area_keys.area_code,
        area_keys.area_name,
        area_keys.year,
        area_keys.indicator_code,
        coalesce(committed.committed_value, 0) as committed_value,
        case
            when indicators.from_register and realisation_years.year is not null
                then coalesce(realised.realised_value, 0)
        end as realised_value
    from area_keys
    inner join indicators
        on area_keys.indicator_code = indicators.indicator_code
    left join committed
        on area_keys.area_level = committed.area_level
        and area_keys.area_code = committed.area_code
        and area_keys.year = committed.year
        and area_keys.indicator_code = committed.indicator_code
    left join realised
        on area_keys.area_level = realised.area_level
        and area_keys.area_code = realised.area_code
        and area_keys.year = realised.year
        and area_keys.indicator_code = realised.indicator_code
    left join realisation_years
        on area_keys.year = realisation_years.year
),

final as (
    select
        area_level,
        area_code,
        area_name,
        cast(year as integer) as year,
        indicator_code,
        cast(committed_value as double) as committed_value,
        cast(realised_value as double) as realised_value,
        cast(realised_value as double) / nullif(committed_value, 0) as realisation_share
    from joined
)

select * from final
