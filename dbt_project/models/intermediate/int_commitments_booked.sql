-- The commitments of the signed agreements that count, before the A8 gate: duplicate rows of a
-- workbook (same corporation, year, indicator) summed (A13), corporations that have merged booked
-- on their successor (A12), and the municipality of the reporting set (A2). One row per
-- municipality, corporation, year and indicator; where several counting agreements meet there
-- (municipalities that merged since), their values are summed and their files listed.
with

workbooks as (
    select * from {{ ref('int_agreement_workbooks_ranked') }}
    where is_counting
),

agreement_rows as (
    select * from {{ ref('stg_raw__agreement_rows') }}
),

corporations as (
    select * from {{ ref('int_corporations_mapped') }}
),

indicators as (
    select * from {{ ref('indicators') }}
    where from_agreements
),

rows_summed as (
    select
        agreement_rows.source_file,
        agreement_rows.corporation_id,
        agreement_rows.year,
        agreement_rows.indicator_code,
        {{ exact_sum('agreement_rows.value') }} as value,
        count(*) as n_rows
    from agreement_rows
    inner join indicators
        on agreement_rows.indicator_code = indicators.indicator_code
    where agreement_rows.corporation_id is not null
      and agreement_rows.year is not null
      and agreement_rows.value is not null
    group by agreement_rows.source_file, agreement_rows.corporation_id, agreement_rows.year,
        agreement_rows.indicator_code
),

booked as (
    select
        workbooks.municipality_code,
        coalesce(corporations.successor_corporation_id, rows_summed.corporation_id) as corporation_id,
        rows_summed.corporation_id as reported_corporation_id,
        rows_summed.year,
        rows_summed.indicator_code,
        rows_summed.value,
        rows_summed.n_rows,
        workbooks.status,
        workbooks.signed_on,
        workbooks.agreement_version,
        workbooks.source_file,
        workbooks.reported_municipality_code
    from rows_summed
    inner join workbooks
        on rows_summed.source_file = workbooks.source_file
    left join corporations
        on rows_summed.corporation_id = corporations.corporation_id
),

final as (
    select
        municipality_code,
        corporation_id,
        year,
        indicator_code,
        {{ exact_sum('value') }} as value,
        min(status) as status,
        max(signed_on) as signed_on,
        max(agreement_version) as agreement_version,
        string_agg(distinct source_file, ', ' order by source_file) as source_file,
        string_agg(distinct reported_corporation_id, ', ' order by reported_corporation_id)
            as reported_corporation_ids,
        string_agg(distinct reported_municipality_code, ', ' order by reported_municipality_code)
            as reported_municipality_codes,
        cast(sum(n_rows) as bigint) as n_source_rows
    from booked
    group by municipality_code, corporation_id, year, indicator_code
)

select * from final
