-- Dwelling identity across each pair of consecutive snapshots (raw-inputs.md): first matched on
-- bag_vbo_id where both snapshots have one, the rest on (corporation after merger mapping,
-- vhe_nummer), one to one; two dwellings that both have a (different) bag_vbo_id are not
-- matched on vhe_nummer. Matching runs over every dwelling of both snapshots, whichever
-- corporation holds it; `from_is_compared` / `to_is_compared` say whether the holding corporation
-- has an accepted file in both snapshots (only such dwellings count towards realisation).
-- One row per dwelling per pair: matched (both sides), only in the earlier snapshot (from_*), or
-- only in the later one (to_*). Matching works on narrow keys; attributes are joined at the end.
{%- set attributes = [
    'corporation_id', 'reported_corporation_id', 'unit_number', 'bag_vbo_id', 'municipality_code',
    'construction_year', 'energy_label', 'condition_score', 'heating', 'has_solar_panels',
    'is_clustered_elderly', 'is_flex', 'source_file', 'source_row',
] %}
with

units as (
    select * from {{ ref('int_register_units_mapped') }}
),

corporations_compared as (
    select * from {{ ref('int_register_corporations_compared') }}
),

pairs as (
    select distinct from_snapshot, to_snapshot, year
    from corporations_compared
),

from_keys as (
    select pairs.to_snapshot, units.unit_key, units.corporation_id, units.reported_corporation_id,
        units.unit_number, units.bag_vbo_id
    from pairs
    inner join units
        on units.snapshot_date = pairs.from_snapshot
),

to_keys as (
    select pairs.to_snapshot, units.unit_key, units.corporation_id, units.reported_corporation_id,
        units.unit_number, units.bag_vbo_id
    from pairs
    inner join units
        on units.snapshot_date = pairs.to_snapshot
),

from_bag as (
    select
        to_snapshot,
        unit_key,
        bag_vbo_id,
        row_number() over (
            partition by to_snapshot, bag_vbo_id order by corporation_id, unit_number, unit_key
        ) as bag_rank
    from from_keys
    where bag_vbo_id is not null
),

to_bag as (
    select
        to_snapshot,
        unit_key,
        bag_vbo_id,
        row_number() over (
            partition by to_snapshot, bag_vbo_id order by corporation_id, unit_number, unit_key
        ) as bag_rank
    from to_keys
    where bag_vbo_id is not null
),

matched_on_bag as (
    select
        from_bag.to_snapshot,
        from_bag.unit_key as from_unit_key,
        to_bag.unit_key as to_unit_key,
        'bag_vbo_id' as matched_on
    from from_bag
    inner join to_bag
        on from_bag.to_snapshot = to_bag.to_snapshot
        and from_bag.bag_vbo_id = to_bag.bag_vbo_id
        and from_bag.bag_rank = to_bag.bag_rank
),

from_rest as (
    select
        from_keys.*,
        row_number() over (
            partition by from_keys.to_snapshot, from_keys.corporation_id, from_keys.unit_number
            order by from_keys.reported_corporation_id, from_keys.unit_key
        ) as unit_rank
    from from_keys
    anti join matched_on_bag
        on from_keys.to_snapshot = matched_on_bag.to_snapshot
        and from_keys.unit_key = matched_on_bag.from_unit_key
),

to_rest as (
    select
        to_keys.*,
        row_number() over (
            partition by to_keys.to_snapshot, to_keys.corporation_id, to_keys.unit_number
            order by to_keys.reported_corporation_id, to_keys.unit_key
        ) as unit_rank
    from to_keys
    anti join matched_on_bag
        on to_keys.to_snapshot = matched_on_bag.to_snapshot
        and to_keys.unit_key = matched_on_bag.to_unit_key
),

matched_on_unit_number as (
    select
        from_rest.to_snapshot,
        from_rest.unit_key as from_unit_key,
        to_rest.unit_key as to_unit_key,
        'unit_number' as matched_on
    from from_rest
    inner join to_rest
        on from_rest.to_snapshot = to_rest.to_snapshot
        and from_rest.corporation_id = to_rest.corporation_id
        and from_rest.unit_number = to_rest.unit_number
        and from_rest.unit_rank = to_rest.unit_rank
    where from_rest.bag_vbo_id is null or to_rest.bag_vbo_id is null
),

matches as (
    select * from matched_on_bag
    union all
    select * from matched_on_unit_number
),

dwelling_keys as (
    select to_snapshot, from_unit_key, to_unit_key, matched_on from matches
    union all
    select from_keys.to_snapshot, from_keys.unit_key, null, null
    from from_keys
    anti join matches
        on from_keys.to_snapshot = matches.to_snapshot
        and from_keys.unit_key = matches.from_unit_key
    union all
    select to_keys.to_snapshot, null, to_keys.unit_key, null
    from to_keys
    anti join matches
        on to_keys.to_snapshot = matches.to_snapshot
        and to_keys.unit_key = matches.to_unit_key
),

final as (
    select
        pairs.from_snapshot,
        pairs.to_snapshot,
        pairs.year,
        dwelling_keys.matched_on,
        {%- for column in attributes %}
        from_units.{{ column }} as from_{{ column }},
        {%- endfor %}
        {%- for column in attributes %}
        to_units.{{ column }} as to_{{ column }},
        {%- endfor %}
        coalesce(from_compared.is_compared, false) as from_is_compared,
        coalesce(to_compared.is_compared, false) as to_is_compared
    from dwelling_keys
    inner join pairs
        on dwelling_keys.to_snapshot = pairs.to_snapshot
    left join units as from_units
        on dwelling_keys.from_unit_key = from_units.unit_key
    left join units as to_units
        on dwelling_keys.to_unit_key = to_units.unit_key
    left join corporations_compared as from_compared
        on from_compared.to_snapshot = dwelling_keys.to_snapshot
        and from_compared.corporation_id = from_units.corporation_id
    left join corporations_compared as to_compared
        on to_compared.to_snapshot = dwelling_keys.to_snapshot
        and to_compared.corporation_id = to_units.corporation_id
)

select * from final
