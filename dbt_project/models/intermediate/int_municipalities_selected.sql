-- The reporting set: the municipalities of the most recent year in the reference data, less those
-- that have ended by the latest date that data knows (Weesp in the 2022 rows), with province,
-- COROP region and, when a woningmarktregios file is supplied, housing-market region.
-- Nothing here reads a reference date: an as-of build takes this table from the nightly (as_of.py).
{{ config(tags=['as_of_independent']) }}
with

municipalities as (
    select * from {{ ref('stg_raw__ref_municipalities') }}
),

mergers as (
    select * from {{ ref('stg_raw__ref_municipal_mergers') }}
),

corop_regions as (
    select * from {{ ref('stg_raw__ref_corop_regions') }}
),

housing_market_regions as (
    select * from {{ ref('stg_raw__ref_woningmarktregios') }}
),

latest_year as (
    select max(year) as year from municipalities
),

latest_year_end_dates as (
    select max(municipalities.valid_to) as max_valid_to
    from municipalities
    inner join latest_year on municipalities.year = latest_year.year
),

latest_merger as (
    select max(effective_date) as max_effective_date from mergers
),

reference_date as (
    -- the latest date the reference data speaks of: 1 January of its latest year, or a later end
    -- date or merger it already records
    select greatest(
        make_date(latest_year.year, 1, 1),
        latest_year_end_dates.max_valid_to,
        latest_merger.max_effective_date
    ) as reference_date
    from latest_year
    cross join latest_year_end_dates
    cross join latest_merger
),

reporting_set as (
    select municipalities.*
    from municipalities
    inner join latest_year on municipalities.year = latest_year.year
    cross join reference_date
    where municipalities.valid_to is null
       or municipalities.valid_to > reference_date.reference_date
),

has_housing_market_regions as (
    select count(*) > 0 as supplied from housing_market_regions
),

housing_market_region_per_municipality as (
    -- one region per municipality; should the file list one twice, the first name wins
    select municipality_code, min(housing_market_region) as housing_market_region
    from housing_market_regions
    group by municipality_code
),

final as (
    select
        reporting_set.municipality_code,
        reporting_set.municipality_name,
        reporting_set.province_code,
        reporting_set.province_name,
        corop_regions.corop_code,
        corop_regions.corop_name,
        case
            when has_housing_market_regions.supplied
                then coalesce(housing_market_region_per_municipality.housing_market_region, 'Onbekend')
        end as housing_market_region,
        reporting_set.valid_from
    from reporting_set
    cross join has_housing_market_regions
    left join corop_regions
        on reporting_set.municipality_code = corop_regions.municipality_code
    left join housing_market_region_per_municipality
        on reporting_set.municipality_code = housing_market_region_per_municipality.municipality_code
)

select * from final
