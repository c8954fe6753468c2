{#- The gate: a raw table without the rows and files kept out by an `error` finding.

    Kept out (checks.md, "What an error keeps out"):
    - every row with an `error` finding for its (source_file, source_row), in checks.findings or
      raised at load in raw.load_findings;
    - every row of a file with an `error` finding whose source_row is null;
    - every row of a file whose load_log status is `rejected` or `removed` (normally there are
      none: ingest does not keep them).
    `has_source_row` false: the table has one row per file (agreement_workbooks), file-level only.
-#}
{% macro gated_source(source_name, table_name, has_source_row=true) -%}
with

source_rows as (
    select * from {{ source(source_name, table_name) }}
),

error_findings as (
    select source_file, source_row
    from {{ source('checks', 'findings') }}
    where lower(trim(severity)) = 'error'
    union all
    select source_file, source_row
    from {{ source('raw', 'load_findings') }}
    where lower(trim(severity)) = 'error'
),

files_kept_out as (
    select distinct source_file
    from error_findings
    where source_row is null and source_file is not null
    union
    select file_path as source_file
    from {{ source('raw', 'load_log') }}
    where status in ('rejected', 'removed')
),

{% if has_source_row %}
rows_kept_out as (
    select distinct source_file, source_row
    from error_findings
    where source_row is not null and source_file is not null
),
{% endif %}

gated as (
    select source_rows.*
    from source_rows
    where source_rows.source_file not in (select source_file from files_kept_out)
    {%- if has_source_row %}
      and not exists (
          select 1
          from rows_kept_out
          where rows_kept_out.source_file = source_rows.source_file
            and rows_kept_out.source_row = source_rows.source_row
      )
    {%- endif %}
)
{%- endmacro %}
