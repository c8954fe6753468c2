-- Every data-quality finding of the run, in one table (checks.md): raised at load (raw.load_findings:
-- F1-F5), by the checks over the raw layer before dbt (checks.findings: GX suites and SQL), and by
-- the dbt check models (schema checks). run_id and checked_at come from the environment
-- (NPA_RUN_ID, NPA_CHECKED_AT), not from dbt vars: a var that changes every run would make dbt
-- parse the whole project again each time instead of only this file.
-- With `as_of` set, findings on files not visible at that date (register folders dated after it,
-- workbooks signed after it) are left out, like the files themselves.
{%- set check_models = [
    'chk_r3_municipality_merged', 'chk_r11_label_or_condition_worsened', 'chk_r12_stock_jump',
    'chk_r13_register_file_missing', 'chk_a2_agreement_municipality_merged',
    'chk_a6_same_version_signed_twice', 'chk_a7_commitment_without_stock', 'chk_a8_efg_overcommitted',
    'chk_a9_condition_overcommitted', 'chk_a10_no_signed_agreement', 'chk_a11_agreement_below_bid',
    'chk_a12_merged_corporation_commitments', 'chk_n1_national_target_gap',
    'chk_n2_stock_target_off_track', 'chk_n3_rollup_inconsistent', 'chk_n4_dwelling_area_mapping',
] %}
{%- set checked_at = runtime_env('NPA_CHECKED_AT') | string | trim %}
with

load_findings as (
    select 'load' as suite, check_code, severity, entity, detail, source_file
    from {{ ref('stg_raw__load_findings') }}
),

raw_findings as (
    select suite, check_code, severity, entity, detail, source_file
    from {{ ref('stg_checks__findings') }}
),

check_model_findings as (
    {%- for model in check_models %}
    select suite, check_code, severity, entity, detail, source_file from {{ ref(model) }}
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

all_findings as (
    select * from load_findings
    union all
    select * from raw_findings
    union all
    select * from check_model_findings
),

workbooks_signed_later as (
    -- empty without a reference date
    select source_file
    from {{ ref('stg_raw__agreement_workbooks') }}
    where not {{ visible_as_of('signed_on') }}
),

with_register_dates as (
    select
        all_findings.*,
        try_cast(regexp_extract(all_findings.source_file, '^register/(\d{4}-\d{2}-\d{2})/', 1) as date)
            as register_date
    from all_findings
),

visible as (
    select suite, check_code, severity, entity, detail, source_file
    from with_register_dates
    where (register_date is null or {{ visible_as_of('register_date') }})
      and (source_file is null or source_file not in (select source_file from workbooks_signed_later))
),

final as (
    select
        cast('{{ runtime_env('NPA_RUN_ID', 'manual') }}' as varchar) as run_id,
        {% if checked_at -%}
        cast('{{ checked_at }}' as timestamp)
        {%- else -%}
        cast(current_timestamp as timestamp)
        {%- endif %} as checked_at,
        cast(suite as varchar) as suite,
        cast(check_code as varchar) as check_code,
        cast(lower(trim(severity)) as varchar) as severity,
        cast(entity as varchar) as entity,
        cast(detail as varchar) as detail,
        cast(source_file as varchar) as source_file
    from visible
)

select * from final
order by check_code, source_file nulls first, entity, detail
