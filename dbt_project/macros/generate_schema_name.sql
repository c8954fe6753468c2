{#- Custom schemas are used literally (`staging`, `intermediate`, `checks`, `marts`, `seeds`),
    not prefixed with the target schema; without one, the target schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
