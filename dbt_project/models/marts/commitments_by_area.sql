-- Committed values per area, year and indicator: the sum of fct_commitments over the
-- municipalities of the area, with the derived investering_onderhoud (the sum of its parts, a row
-- of its own beside them). Areas without commitments are left out; national is always there.
with

commitments as (
    select * from {{ ref('fct_commitments') }}
),

indicators as (
    select * from {{ ref('dim_indicator') }}
),

areas as (
    select * from {{ ref('int_municipality_areas_unioned') }}
),

derived_parts as (
    select
        indicator_code as derived_indicator_code,
        unnest(list_transform(string_split(derived_from, ','), lambda part: trim(part))) as part_indicator_code
    from indicators
    where derived_from is not null
),

derived as (
    select
        commitments.municipality_code,
        commitments.corporation_id,
        commitments.year,
        derived_parts.derived_indicator_code as indicator_code,
        {{ exact_sum('commitments.value') }} as value
    from commitments
    inner join derived_parts
        on commitments.indicator_code = derived_parts.part_indicator_code
    group by commitments.municipality_code, commitments.corporation_id, commitments.year,
        derived_parts.derived_indicator_code
),

all_commitments as (
    select municipality_code, corporation_id, year, indicator_code, value from commitments
    union all
    select municipality_code, corporation_id, year, indicator_code, value from derived
),

final as (
    select
        areas.area_level,
        areas.area_code,
        areas.area_name,
        all_commitments.year,
        all_commitments.indicator_code,
        {{ exact_sum('all_commitments.value') }} as committed_value,
        count(distinct all_commitments.municipality_code) as n_municipalities,
        count(distinct all_commitments.corporation_id) as n_corporations
    from all_commitments
    inner join areas
        on all_commitments.municipality_code = areas.municipality_code
    group by areas.area_level, areas.area_code, areas.area_name, all_commitments.year,
        all_commitments.indicator_code
)

select * from final
