{#- The reference date of an as-of build, 'YYYY-MM-DD'; empty = no cut-off. The var `as_of` when
    given, else $NPA_AS_OF. The pipeline sets $NPA_AS_OF: dbt parses the whole project
    again when a var changes, and nothing when an environment variable read only at run time
    (runtime_env) changes. -#}

{% macro as_of_value() -%}
    {%- set value = (var('as_of', '') or runtime_env('NPA_AS_OF') or '') | string | trim -%}
    {%- if value and not modules.re.match('^\d{4}-\d{2}-\d{2}$', value) -%}
        {{ exceptions.raise_compiler_error("var as_of must be a date YYYY-MM-DD or empty, got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- SQL literal of the reference date, or null without one. -#}
{% macro as_of_date() -%}
    {%- set value = as_of_value() -%}
    {%- if value -%} date '{{ value }}' {%- else -%} cast(null as date) {%- endif -%}
{%- endmacro %}

{#- A predicate: `column` is on or before the reference date (always true without one;
    a null date is never visible under a reference date). -#}
{% macro visible_as_of(column) -%}
    {%- set value = as_of_value() -%}
    {%- if value -%} ({{ column }} <= date '{{ value }}') {%- else -%} true {%- endif -%}
{%- endmacro %}
