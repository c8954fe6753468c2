-- Per pair of consecutive snapshots, every corporation (after merger mapping) with an accepted
-- register file in either, and whether it has one in both: only then are its dwellings compared
-- (a corporation missing from one of the two is left out of that realisation, warning R13).
-- Every pair of the register, with no reference date: a pair's rows do not depend on it, and the
-- pairs visible as of a date are the first ones in order. Consumers keep those visible
-- (`visible_as_of('to_snapshot')`); an as-of build takes this table from the nightly (as_of.py).
{{ config(tags=['as_of_independent']) }}
with

units as (
    select * from {{ ref('int_register_units_mapped') }}
),

snapshot_dates as (
    select distinct snapshot_date
    from units
),

pairs as (
    select
        lag(snapshot_date) over (order by snapshot_date) as from_snapshot,
        snapshot_date as to_snapshot,
        year(snapshot_date) as year
    from snapshot_dates
    qualify from_snapshot is not null
),

corporation_files as (
    select
        snapshot_date,
        corporation_id,
        string_agg(distinct source_file, ', ' order by source_file) as source_files
    from units
    group by snapshot_date, corporation_id
),

pair_corporations as (
    select distinct pairs.from_snapshot, pairs.to_snapshot, pairs.year, corporation_files.corporation_id
    from pairs
    inner join corporation_files
        on corporation_files.snapshot_date in (pairs.from_snapshot, pairs.to_snapshot)
),

final as (
    select
        pair_corporations.from_snapshot,
        pair_corporations.to_snapshot,
        pair_corporations.year,
        pair_corporations.corporation_id,
        from_files.corporation_id is not null as has_from_file,
        to_files.corporation_id is not null as has_to_file,
        from_files.corporation_id is not null and to_files.corporation_id is not null as is_compared,
        from_files.source_files as from_source_files,
        to_files.source_files as to_source_files
    from pair_corporations
    left join corporation_files as from_files
        on from_files.snapshot_date = pair_corporations.from_snapshot
        and from_files.corporation_id = pair_corporations.corporation_id
    left join corporation_files as to_files
        on to_files.snapshot_date = pair_corporations.to_snapshot
        and to_files.corporation_id = pair_corporations.corporation_id
)

select * from final
