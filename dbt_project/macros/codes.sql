{#- `ja`/`nee` (already trimmed and lower-cased at ingest) as a boolean; anything else null. -#}
{% macro yes_no_to_boolean(column) -%}
    case {{ column }} when 'ja' then true when 'nee' then false end
{%- endmacro %}

{#- A sum of euro amounts or homes that does not depend on the order rows arrive in (floating
    point addition does): summed as a fixed-point decimal, returned as a double. Two runs on the
    same inputs give the same figures to the last bit. -#}
{% macro exact_sum(expression) -%}
    cast(sum(cast({{ expression }} as decimal(38, 6))) as double)
{%- endmacro %}
