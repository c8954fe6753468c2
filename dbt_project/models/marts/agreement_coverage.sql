-- Per municipality of the reporting set: which corporations own homes there in the latest snapshot
-- (as of `as_of`), which are party to the signed agreement(s) that count, and the status of the
-- most recent visible workbook of any status.
with

municipalities as (
    select * from {{ ref('dim_municipality') }}
),

stock as (
    select * from {{ ref('int_register_stock_aggregated') }}
    where is_latest_snapshot
),

workbooks as (
    select * from {{ ref('int_agreement_workbooks_ranked') }}
),

corporations as (
    select * from {{ ref('int_corporations_mapped') }}
),

latest_snapshot as (
    select snapshot_date from {{ ref('int_register_snapshots_ordered') }}
    where is_latest
),

with_stock as (
    select
        municipality_code,
        count(distinct corporation_id) filter (where n_dwellings > 0) as n_corporations_with_stock,
        sum(n_dwellings) as n_dwellings
    from stock
    group by municipality_code
),

counting_parties as (
    select
        workbooks.municipality_code,
        unnest(workbooks.parties) as party_id
    from workbooks
    where workbooks.is_counting
),

signed as (
    select
        counting_parties.municipality_code,
        count(distinct coalesce(corporations.successor_corporation_id, counting_parties.party_id))
            as n_corporations_signed
    from counting_parties
    left join corporations
        on counting_parties.party_id = corporations.corporation_id
    group by counting_parties.municipality_code
),

counting_workbooks as (
    -- a counting workbook without parties still counts as a signed agreement
    select municipality_code, max(signed_on) as signed_on,
        string_agg(distinct source_file, ', ' order by source_file) as counting_source_files
    from workbooks
    where is_counting
    group by municipality_code
),

latest_workbook as (
    select municipality_code, status as latest_status
    from workbooks
    where is_latest_of_municipality
),

final as (
    select
        municipalities.municipality_code,
        municipalities.municipality_name,
        municipalities.corop_name,
        municipalities.province_name,
        cast(coalesce(with_stock.n_corporations_with_stock, 0) as bigint) as n_corporations_with_stock,
        cast(coalesce(signed.n_corporations_signed, 0) as bigint) as n_corporations_signed,
        counting_workbooks.municipality_code is not null as has_signed_agreement,
        latest_workbook.latest_status,
        counting_workbooks.signed_on,
        municipalities.province_code,
        municipalities.corop_code,
        municipalities.housing_market_region,
        cast(coalesce(with_stock.n_dwellings, 0) as bigint) as n_dwellings,
        latest_snapshot.snapshot_date as latest_snapshot_date,
        counting_workbooks.counting_source_files
    from municipalities
    left join with_stock
        on municipalities.municipality_code = with_stock.municipality_code
    left join signed
        on municipalities.municipality_code = signed.municipality_code
    left join counting_workbooks
        on municipalities.municipality_code = counting_workbooks.municipality_code
    left join latest_workbook
        on municipalities.municipality_code = latest_workbook.municipality_code
    left join latest_snapshot on true
)

select * from final
