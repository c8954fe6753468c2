-- The housing corporations of corporaties.csv.
-- Nothing here reads a reference date: an as-of build takes this table from the nightly (as_of.py).
{{ config(tags=['as_of_independent']) }}
with

corporations as (
    select * from {{ ref('int_corporations_mapped') }}
),

municipality_codes as (
    select * from {{ ref('int_municipality_codes_mapped') }}
),

final as (
    select
        corporations.corporation_id,
        corporations.corporation_name,
        coalesce(municipality_codes.municipality_code, corporations.seat_municipality_code)
            as seat_municipality_code,
        corporations.dissolved_on,
        corporations.merged_into,
        corporations.successor_corporation_id as booked_on_corporation_id
    from corporations
    left join municipality_codes
        on corporations.seat_municipality_code = municipality_codes.reported_municipality_code
)

select * from final
