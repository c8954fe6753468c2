-- A2 (warning): an agreement workbook (visible as of `as_of`) written for the gemeentecode of a
-- municipality that has merged since; it is read as its successor in the reporting set (the
-- commitments of a signed one are booked there). One finding per workbook.
with

workbooks as (
    select * from {{ ref('int_agreement_workbooks_ranked') }}
),

codes as (
    select * from {{ ref('int_municipality_codes_mapped') }}
    where is_merged
),

reporting_set as (
    select * from {{ ref('int_municipalities_selected') }}
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'A2' as check_code,
        'warning' as severity,
        workbooks.reported_municipality_code || ' -> ' || coalesce(workbooks.municipality_code, '?') as entity,
        workbooks.source_file || ': the ' || workbooks.status || ' workbook of '
            || workbooks.reported_municipality_code
            || coalesce(' (' || workbooks.reported_municipality_name || ')', '')
            || ' names a municipality that has merged; it is read as '
            || coalesce(workbooks.municipality_code || coalesce(' ' || reporting_set.municipality_name, ''), '(no successor in the reporting set)')
            as detail,
        workbooks.source_file
    from workbooks
    inner join codes
        on workbooks.reported_municipality_code = codes.reported_municipality_code
    left join reporting_set
        on workbooks.municipality_code = reporting_set.municipality_code
)

select * from final
