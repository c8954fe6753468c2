-- The register snapshots visible as of `as_of`, in order, each with the one before it (the pair
-- whose changes are realised in this snapshot's year) and a flag for the latest.
with

units as (
    select * from {{ ref('int_register_units_visible') }}
),

snapshots as (
    select
        snapshot_date,
        count(distinct source_file) as n_files,
        count(distinct corporation_id) as n_corporations,
        count(*) as n_dwellings
    from units
    group by snapshot_date
),

final as (
    select
        snapshot_date,
        year(snapshot_date) as snapshot_year,
        lag(snapshot_date) over (order by snapshot_date) as previous_snapshot_date,
        row_number() over (order by snapshot_date) as snapshot_number,
        snapshot_date = max(snapshot_date) over () as is_latest,
        n_files,
        n_corporations,
        n_dwellings
    from snapshots
)

select * from final
