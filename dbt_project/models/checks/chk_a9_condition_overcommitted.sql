-- A9 (warning): the committed herstel_conditie_56 of a corporation in a municipality, summed over
-- the years after the latest snapshot (as of `as_of`), exceeds the homes with condition score 5
-- or 6 it owns there in that snapshot. Like A8, only for corporations with an accepted file in
-- that snapshot (the others are R13).
with

commitments as (
    select * from {{ ref('int_commitments_booked') }}
    where indicator_code = 'herstel_conditie_56'
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
        sum(commitments.value) as committed,
        string_agg(distinct commitments.source_file, ', ' order by commitments.source_file) as source_files
    from commitments
    inner join latest_snapshot
        on commitments.year > latest_snapshot.snapshot_year
    group by commitments.municipality_code, commitments.corporation_id, latest_snapshot.snapshot_date
),

stock_56 as (
    select municipality_code, corporation_id, sum(n_condition_56) as n_condition_56
    from stock
    group by municipality_code, corporation_id
),

municipalities as (
    select * from {{ ref('int_municipalities_selected') }}
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'A9' as check_code,
        'warning' as severity,
        committed_after_snapshot.corporation_id || ' in ' || committed_after_snapshot.municipality_code as entity,
        committed_after_snapshot.corporation_id || ' commits to restore '
            || format('{:,.0f}', committed_after_snapshot.committed) || ' homes in condition 5 or 6 in '
            || committed_after_snapshot.municipality_code
            || coalesce(' ' || municipalities.municipality_name, '')
            || ' after ' || year(committed_after_snapshot.latest_snapshot_date) || ', but owns '
            || format('{:,}', coalesce(stock_56.n_condition_56, 0)) || ' such homes there on '
            || committed_after_snapshot.latest_snapshot_date as detail,
        committed_after_snapshot.source_files as source_file
    from committed_after_snapshot
    inner join corporations_in_latest_snapshot
        on committed_after_snapshot.corporation_id = corporations_in_latest_snapshot.corporation_id
    left join stock_56
        on committed_after_snapshot.municipality_code = stock_56.municipality_code
        and committed_after_snapshot.corporation_id = stock_56.corporation_id
    left join municipalities
        on committed_after_snapshot.municipality_code = municipalities.municipality_code
    where committed_after_snapshot.committed > coalesce(stock_56.n_condition_56, 0)
)

select * from final
