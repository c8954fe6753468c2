{#-
    The `table` and `view` materializations of this project, in place of the adapter's.

    Those build a model under a temporary name and swap it in with two renames and a drop, asking
    DuckDB about indexes and foreign keys on the way: about nine statements per table and five
    per view, each a round of dbt's Python (events, connection bookkeeping) in a process that is
    bound by the GIL. Here the model replaces its relation inside the node's one transaction:
    the old relation is dropped and the new one created, then committed. DuckDB's DDL is
    transactional, so a model that fails leaves its previous relation as it was (rollback), and
    a reader never sees the relation missing. The contract (marts, checks) is enforced as before:
    `create_table_as` and `get_create_view_as_sql` write its columns and constraints. No model
    here has a foreign key or an index, which the adapter's table materialization looks after,
    nor grants or persisted docs (both would still be applied).
-#}

{#- The adapter's drop_relation runs outside any transaction (auto_begin=False): this one opens the
    node's transaction, so that the drop is undone with the rest should the model fail. -#}
{% macro npa_drop_in_transaction(relation) -%}
    {%- if relation is not none -%}
        {% call statement("drop_" ~ relation.type, auto_begin=True) -%}
            drop {{ relation.type }} if exists {{ relation }} cascade
        {%- endcall %}
        {% do adapter.cache_dropped(relation) %}
    {%- endif -%}
{%- endmacro %}

{#- The body both share: `create_sql` builds `target` (a table or a view) from the model's SQL. -#}
{% macro npa_replace_relation(target, create_sql, persist_columns) -%}
    {%- set existing = load_cached_relation(this) -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {{ npa_drop_in_transaction(existing) }}
    {% call statement("main") -%}
        {{ create_sql }}
    {%- endcall %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do apply_grants(target, config.get("grants"), should_revoke=should_revoke(existing, full_refresh_mode=True)) %}
    {% do persist_docs(target, model, for_columns=persist_columns) %}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
{%- endmacro %}

{% materialization table, adapter="duckdb", supported_languages=["sql"] %}
    {%- set target = this.incorporate(type="table") -%}
    {{ npa_replace_relation(target, create_table_as(False, target, sql), persist_columns=true) }}
    {{ return({"relations": [target]}) }}
{% endmaterialization %}

{% materialization view, adapter="duckdb" %}
    {%- set target = this.incorporate(type="view") -%}
    {{ npa_replace_relation(target, get_create_view_as_sql(target, sql), persist_columns=false) }}
    {{ return({"relations": [target]}) }}
{% endmaterialization %}
