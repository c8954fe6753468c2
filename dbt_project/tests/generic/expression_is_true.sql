{#- Every row satisfies `expression` (optionally only rows satisfying `where`; use
    `config: {where: ...}` for that). Null counts as a failure: wrap in coalesce when null is fine. -#}
{% test expression_is_true(model, expression) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
