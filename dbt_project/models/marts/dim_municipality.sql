-- The municipalities of the reporting set with their regions.
-- Nothing here reads a reference date: an as-of build takes this table from the nightly (as_of.py).
{{ config(tags=['as_of_independent']) }}
with

municipalities as (
    select * from {{ ref('int_municipalities_selected') }}
),

final as (
    select
        municipality_code,
        municipality_name,
        province_code,
        province_name,
        corop_code,
        corop_name,
        housing_market_region,
        valid_from
    from municipalities
)

select * from final
