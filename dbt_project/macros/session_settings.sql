{#- DuckDB's memory limit for the build ($NPA_DBT_MEMORY, sized to the register by the pipeline:
    pipelines/warehouse/dbt_cli.py). Joins, aggregates and sorts spill to the temporary folder
    beyond it; not every operator can, hence the sizing. -#}
{% macro npa_limit_memory() -%}
    set memory_limit = '{{ env_var("NPA_DBT_MEMORY", "900MB") }}'
{%- endmacro %}
