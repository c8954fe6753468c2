{#- The dwelling matching of int_dwellings_matched (see there for the rules), over a scope of
    corporations, so that the model can build the rows of some corporations only:
    - `scope`: a predicate on a unit's corporation_id; the matching reads the units it holds and
      every unit sharing a bag id with one of them, which is all the rows of those corporations
      depend on. Empty: every unit.
    - `rows`: a predicate on the result (from_/to_corporation_id) keeping the rows whose inputs the
      scope holds completely. Empty: every row.
    - `shared_bags`: the scope is a batch of a full build, not the few corporations of an
      incremental one. Instead of the units sharing a bag id with the scope's, it reads every unit
      whose bag id more than one corporation holds (the temporary table dwellings_bags_shared,
      made before the batches): a superset, and a tiny part of the register. Testing the register
      against that small set is cheap; testing it against the bag ids of a batch's own millions
      of units builds, probes and spills hash tables of millions (twice national: 36 of the dbt
      build's 54 s). The extra units only add rows of other batches, which `rows` filters out.
    A scope's units are read once into a temporary result, not filtered from the register three
    times: a batch of twice national that way ran out of memory at 1100 MB and needed 1300 MB;
    read once it runs at 800 MB.
    Used for an incremental build (the corporations a change affects) and to build the table in
    batches of corporations on a large register (memory: macros/register_increment.sql). -#}
{% macro dwellings_matching(scope=none, rows=none, shared_bags=false) -%}
{%- set attributes = [
    'corporation_id', 'municipality_code', 'construction_year', 'energy_label', 'condition_score',
    'heating', 'has_solar_panels', 'is_clustered_elderly', 'is_flex',
] %}
with

{%- if not scope %}
-- not materialized, here and below: DuckDB would otherwise materialise a CTE read more than once,
-- i.e. copy the whole register
units as not materialized (
    select * from {{ ref('int_register_units_mapped') }}
),
{%- else %}
{%- if not shared_bags %}
scope_bags as not materialized (
    select bag_vbo_number, bag_vbo_text
    from {{ ref('int_register_units_mapped') }}
    where {{ scope }}
),
{%- endif %}

units as materialized (
    select *
    from {{ ref('int_register_units_mapped') }}
    where {{ scope }}
    {%- if shared_bags %}
       -- and every unit whose bag id another corporation holds too
       or bag_vbo_number in (select bag_vbo_number from dwellings_bags_shared where bag_vbo_number is not null)
       or bag_vbo_text in (select bag_vbo_text from dwellings_bags_shared where bag_vbo_text is not null)
    {%- else %}
       -- and every unit sharing a bag id with one of them
       or bag_vbo_number in (select bag_vbo_number from scope_bags where bag_vbo_number is not null)
       or bag_vbo_text in (select bag_vbo_text from scope_bags where bag_vbo_text is not null)
    {%- endif %}
),
{%- endif %}

-- the order of units where the matching needs a tie-breaker: (file in name order, source_row)
file_ranks as (
    select file_id, file_rank from {{ ref('int_register_files_numbered') }}
),

pairs as (
    select distinct from_snapshot, to_snapshot, year
    from {{ ref('int_register_corporations_compared') }}
),

-- the units of both snapshots of every pair, narrow: side 0 = earlier, 1 = later
keys as not materialized (
    select pairs.to_snapshot, 0 as side, units.unit_key, units.corporation_id,
        units.reported_corporation_id, units.unit_number, units.bag_vbo_number, units.bag_vbo_text
    from pairs
    inner join units
        on units.snapshot_date = pairs.from_snapshot
    union all
    select pairs.to_snapshot, 1 as side, units.unit_key, units.corporation_id,
        units.reported_corporation_id, units.unit_number, units.bag_vbo_number, units.bag_vbo_text
    from pairs
    inner join units
        on units.snapshot_date = pairs.to_snapshot
),

bag_groups as (
    select
        to_snapshot,
        bag_vbo_number,
        bag_vbo_text,
        count_if(side = 0) as n_from,
        count_if(side = 1) as n_to,
        min(unit_key) filter (where side = 0) as from_unit_key,
        min(unit_key) filter (where side = 1) as to_unit_key
    from keys
    where bag_vbo_number is not null or bag_vbo_text is not null
    group by to_snapshot, bag_vbo_number, bag_vbo_text
),

-- bag ids held by more than one unit of a snapshot: ranked per side, matched rank to rank
shared_bags_ranked as (
    select
        keys.to_snapshot,
        keys.side,
        keys.unit_key,
        keys.bag_vbo_number,
        keys.bag_vbo_text,
        row_number() over (
            partition by keys.to_snapshot, keys.bag_vbo_number, keys.bag_vbo_text, keys.side
            order by keys.corporation_id, keys.unit_number, file_ranks.file_rank, keys.unit_key
        ) as bag_rank,
        least(bag_groups.n_from, bag_groups.n_to) as n_matched
    from keys
    inner join bag_groups
        on keys.to_snapshot = bag_groups.to_snapshot
        and keys.bag_vbo_number is not distinct from bag_groups.bag_vbo_number
        and keys.bag_vbo_text is not distinct from bag_groups.bag_vbo_text
    left join file_ranks
        on keys.unit_key // 100000000 = file_ranks.file_id
    where bag_groups.n_from > 1 or bag_groups.n_to > 1
),

matched_on_bag as (
    select to_snapshot, from_unit_key, to_unit_key
    from bag_groups
    where n_from = 1 and n_to = 1
    union all
    select from_side.to_snapshot, from_side.unit_key, to_side.unit_key
    from shared_bags_ranked as from_side
    inner join shared_bags_ranked as to_side
        on from_side.to_snapshot = to_side.to_snapshot
        and from_side.bag_vbo_number is not distinct from to_side.bag_vbo_number
        and from_side.bag_vbo_text is not distinct from to_side.bag_vbo_text
        and from_side.bag_rank = to_side.bag_rank
    where from_side.side = 0 and to_side.side = 1
),

-- the units not matched on bag_vbo_id: without one, alone with theirs, or ranked beyond the
-- other side's count
unmatched_on_bag as (
    select to_snapshot, side, unit_key
    from keys
    where bag_vbo_number is null and bag_vbo_text is null
    union all
    select to_snapshot, 0, from_unit_key
    from bag_groups
    where n_from = 1 and n_to = 0
    union all
    select to_snapshot, 1, to_unit_key
    from bag_groups
    where n_from = 0 and n_to = 1
    union all
    select to_snapshot, side, unit_key
    from shared_bags_ranked
    where bag_rank > n_matched
),

rest as (
    select
        keys.*,
        row_number() over (
            partition by keys.to_snapshot, keys.side, keys.corporation_id, keys.unit_number
            order by keys.reported_corporation_id, file_ranks.file_rank, keys.unit_key
        ) as unit_rank
    from keys
    semi join unmatched_on_bag
        on keys.to_snapshot = unmatched_on_bag.to_snapshot
        and keys.side = unmatched_on_bag.side
        and keys.unit_key = unmatched_on_bag.unit_key
    left join file_ranks
        on keys.unit_key // 100000000 = file_ranks.file_id
),

matched_on_unit_number as (
    select from_rest.to_snapshot, from_rest.unit_key as from_unit_key, to_rest.unit_key as to_unit_key
    from rest as from_rest
    inner join rest as to_rest
        on from_rest.to_snapshot = to_rest.to_snapshot
        and from_rest.corporation_id = to_rest.corporation_id
        and from_rest.unit_number = to_rest.unit_number
        and from_rest.unit_rank = to_rest.unit_rank
    where from_rest.side = 0 and to_rest.side = 1
      and ((from_rest.bag_vbo_number is null and from_rest.bag_vbo_text is null)
        or (to_rest.bag_vbo_number is null and to_rest.bag_vbo_text is null))
),

-- every unit of a pair once: matched, or alone on its side
dwelling_keys as (
    select to_snapshot, from_unit_key, to_unit_key, 'bag_vbo_id' as matched_on
    from matched_on_bag
    union all
    select to_snapshot, from_unit_key, to_unit_key, 'unit_number'
    from matched_on_unit_number
    union all
    select rest.to_snapshot, rest.unit_key, null, null
    from rest
    anti join matched_on_unit_number as matched
        on rest.to_snapshot = matched.to_snapshot
        and rest.unit_key = matched.from_unit_key
    where rest.side = 0
    union all
    select rest.to_snapshot, null, rest.unit_key, null
    from rest
    anti join matched_on_unit_number as matched
        on rest.to_snapshot = matched.to_snapshot
        and rest.unit_key = matched.to_unit_key
    where rest.side = 1
),

attributes as not materialized (
    select unit_key {%- for column in attributes %}, {{ column }} {%- endfor %}
    from units
),

corporations_compared as not materialized (
    select to_snapshot, corporation_id, is_compared
    from {{ ref('int_register_corporations_compared') }}
),

final as (
    select
        pairs.from_snapshot,
        pairs.to_snapshot,
        pairs.year,
        dwelling_keys.matched_on,
        dwelling_keys.from_unit_key,
        dwelling_keys.to_unit_key,
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
    left join attributes as from_units
        on dwelling_keys.from_unit_key = from_units.unit_key
    left join attributes as to_units
        on dwelling_keys.to_unit_key = to_units.unit_key
    left join corporations_compared as from_compared
        on from_compared.to_snapshot = dwelling_keys.to_snapshot
        and from_compared.corporation_id = from_units.corporation_id
    left join corporations_compared as to_compared
        on to_compared.to_snapshot = dwelling_keys.to_snapshot
        and to_compared.corporation_id = to_units.corporation_id
)

select * from final
{%- if rows %}
-- only the rows in scope: the others may lack units outside it
where {{ rows }}
{%- endif %}
{%- endmacro %}
