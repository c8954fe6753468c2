-- A7 (warning): a corporation (after merger mapping) commits, in a signed agreement that counts, in
-- a municipality where the latest register snapshot (as of `as_of`) shows it owns no homes.
-- Corporations without an accepted file in that snapshot are left to R13; commitments kept out
-- by A8 do not raise A7 again.
with

commitments as (
    select * from {{ ref('fct_commitments') }}
),

stock as (
    select * from {{ ref('int_register_stock_aggregated') }}
    where is_latest_snapshot
),

corporations_in_latest_snapshot as (
    select distinct corporation_id, snapshot_date from stock
),

committed as (
    select
        municipality_code,
        corporation_id,
        count(distinct indicator_code) as n_indicators,
        string_agg(distinct source_file, ', ' order by source_file) as source_files
    from commitments
    group by municipality_code, corporation_id
),

owned as (
    select municipality_code, corporation_id, sum(n_dwellings) as n_dwellings
    from stock
    group by municipality_code, corporation_id
),

municipalities as (
    select * from {{ ref('int_municipalities_selected') }}
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'A7' as check_code,
        'warning' as severity,
        committed.corporation_id || ' in ' || committed.municipality_code as entity,
        committed.corporation_id || ' commits in ' || committed.municipality_code
            || coalesce(' ' || municipalities.municipality_name, '')
            || ' (' || committed.n_indicators || ' indicator(s), ' || committed.source_files
            || ') but owns no homes there in the register of ' || latest.snapshot_date as detail,
        committed.source_files as source_file
    from committed
    inner join corporations_in_latest_snapshot as latest
        on committed.corporation_id = latest.corporation_id
    left join owned
        on committed.municipality_code = owned.municipality_code
        and committed.corporation_id = owned.corporation_id
    left join municipalities
        on committed.municipality_code = municipalities.municipality_code
    where coalesce(owned.n_dwellings, 0) = 0
)

select * from final
