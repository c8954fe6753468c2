-- The A8 gate: corporation x municipality where the committed `verbetering_efg`, summed over the
-- years after the latest snapshot (as of `as_of`), exceeds the E/F/G homes the corporation owns
-- there in that snapshot. fct_commitments leaves out those `verbetering_efg` commitments; the
-- checks turn each row into an A8 error finding. Without a visible snapshot nothing is listed;
-- a corporation without an accepted file in the latest snapshot is left to R13 (no cascade).
with

commitments as (
    select * from {{ ref('int_commitments_booked') }}
    where indicator_code = 'verbetering_efg'
),

stock as (
    select * from {{ ref('int_register_stock_aggregated') }}
    where is_latest_snapshot
),

latest_snapshot as (
    select snapshot_date, snapshot_year
    from {{ ref('int_register_snapshots_ordered') }}
    where is_latest
),

corporations_in_latest_snapshot as (
    select distinct corporation_id from stock
),

committed_after_snapshot as (
    select
        commitments.municipality_code,
        commitments.corporation_id,
        latest_snapshot.snapshot_date as latest_snapshot_date,
        {{ exact_sum('commitments.value') }} as committed_efg
    from commitments
    inner join latest_snapshot
        on commitments.year > latest_snapshot.snapshot_year
    group by commitments.municipality_code, commitments.corporation_id, latest_snapshot.snapshot_date
),

stock_efg as (
    select municipality_code, corporation_id, sum(n_label_efg) as efg_stock
    from stock
    group by municipality_code, corporation_id
),

final as (
    select
        committed_after_snapshot.municipality_code,
        committed_after_snapshot.corporation_id,
        committed_after_snapshot.committed_efg,
        cast(coalesce(stock_efg.efg_stock, 0) as bigint) as efg_stock,
        committed_after_snapshot.latest_snapshot_date
    from committed_after_snapshot
    inner join corporations_in_latest_snapshot
        on committed_after_snapshot.corporation_id = corporations_in_latest_snapshot.corporation_id
    left join stock_efg
        on committed_after_snapshot.municipality_code = stock_efg.municipality_code
        and committed_after_snapshot.corporation_id = stock_efg.corporation_id
    where committed_after_snapshot.committed_efg > coalesce(stock_efg.efg_stock, 0)
)

select * from final
