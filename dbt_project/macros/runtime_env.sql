{#- An environment variable read when a node runs, never while dbt parses: dbt re-parses every file
    that read a variable at parse time whose value has changed since, which for the reference date
    and the run's audit values was every build (7 files, about 1.5 s of each build's start). Parse
    sees the default, which only shapes SQL that is never run. -#}
{% macro runtime_env(name, default='') -%}
    {%- if execute -%}
        {{ return(env_var(name, default)) }}
    {%- else -%}
        {{ return(default) }}
    {%- endif -%}
{%- endmacro %}
