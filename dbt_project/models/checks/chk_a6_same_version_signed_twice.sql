-- A6 (warning): two or more signed workbooks (visible as of `as_of`) for the same gemeentecode and
-- versie: ambiguous; the later datum_ondertekening wins (then the file name sorting last). One
-- finding per workbook involved, naming the one that wins.
with

signed as (
    select * from {{ ref('int_agreement_workbooks_ranked') }}
    where status = 'ondertekend'
      and n_signed_same_version > 1
),

ranked as (
    select
        *,
        first_value(source_file) over (
            partition by reported_municipality_code, agreement_version
            order by signed_on desc nulls last, source_file desc
        ) as winning_file,
        string_agg(source_file, ', ') over (
            partition by reported_municipality_code, agreement_version
        ) as all_files
    from signed
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'A6' as check_code,
        'warning' as severity,
        reported_municipality_code as entity,
        source_file || ' (signed ' || coalesce(cast(signed_on as varchar), '?') || '): '
            || n_signed_same_version || ' signed workbooks for ' || reported_municipality_code
            || coalesce(' (' || reported_municipality_name || ')', '') || ' have versie '
            || agreement_version || '; '
            || case when source_file = winning_file then 'this one'
                    else winning_file end
            || ' wins as the later signature' as detail,
        source_file
    from ranked
)

select * from final
