-- The area bridge: every municipality of the reporting set with each area it belongs to, one row
-- per area level. Every roll-up joins through it, so the levels add up by construction.
-- Nothing here reads a reference date: an as-of build takes this table from the nightly (as_of.py).
{{ config(tags=['as_of_independent']) }}
with

municipalities as (
    select * from {{ ref('int_municipalities_selected') }}
),

areas as (
    select municipality_code, 'municipality' as area_level,
        municipality_code as area_code, municipality_name as area_name
    from municipalities
    union all
    select municipality_code, 'corop_region', corop_code, corop_name
    from municipalities
    where corop_code is not null
    union all
    select municipality_code, 'province', province_code, province_name
    from municipalities
    where province_code is not null
    union all
    select municipality_code, 'housing_market_region', housing_market_region, housing_market_region
    from municipalities
    where housing_market_region is not null
    union all
    select municipality_code, 'national', 'NL', 'Nederland'
    from municipalities
)

select * from areas
