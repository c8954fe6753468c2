-- A10 (warning): a municipality where corporations own homes in the latest snapshot (as of
-- `as_of`) has no signed agreement that counts.
with

coverage as (
    select * from {{ ref('agreement_coverage') }}
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'A10' as check_code,
        'warning' as severity,
        municipality_code as entity,
        municipality_code || ' ' || municipality_name || ': ' || n_corporations_with_stock
            || ' corporation(s) own ' || format('{:,}', n_dwellings) || ' homes there on '
            || latest_snapshot_date || ', but there is no signed agreement'
            || coalesce(' (most recent workbook: ' || latest_status || ')', ' (no workbook at all)') as detail,
        cast(null as varchar) as source_file
    from coverage
    where n_corporations_with_stock > 0
      and not has_signed_agreement
)

select * from final
