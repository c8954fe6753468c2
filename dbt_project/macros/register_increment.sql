{#- Incremental builds of the register models (int_register_units_mapped, int_dwellings_matched).

    The pipeline decides before dbt starts whether a nightly build is incremental
    (pipelines/warehouse/increment.py): only when the last build was complete and neither the code,
    the reference data nor as_of changed. Then it sets $NPA_INCREMENTAL=1 and writes the register
    files whose rows the build must replace (changed, added, removed, or with other gating
    findings) to `increment.register_files_changed` in the build database; otherwise it runs dbt
    with --full-refresh. The table is the pipeline's, not a model, so it is named literally here.

    Safety net: a build without $NPA_INCREMENTAL (a report's as-of build, a plain `dbt build`) that
    finds an existing table replaces every row of it (the hooks below delete them all), so it can
    never add to stale rows. -#}

{% macro register_increment() -%}
    {{ return(is_incremental() and runtime_env('NPA_INCREMENTAL') == '1') }}
{%- endmacro %}

{%- macro register_files_changed() -%}
    (select source_file from increment.register_files_changed)
{%- endmacro %}

{#- The same files as a list of literals, read when the node runs: a filter DuckDB pushes into the
    scan of the raw register, which then skips the row groups of every other file (the register is
    written file by file); a subquery would read all of it. -#}
{%- macro register_files_changed_literals() -%}
    {%- if execute -%}
        {%- set files = run_query('select source_file from increment.register_files_changed order by 1').columns[0].values() -%}
        ({%- for file in files -%} '{{ file | replace("'", "''") }}'{{ ", " if not loop.last }} {%- else -%} null {%- endfor -%})
    {%- else -%}
        {{ register_files_changed() }}
    {%- endif -%}
{%- endmacro %}

{#- The number of a register file in the unit key: a hash of its path, so that a file keeps its
    number whatever files come and go (a number in name order would renumber every later file).
    Below 9 x 10^10, so that file_id x 10^8 + source_row fits a bigint; int_register_files_numbered
    tests that no two files ever seen share a number. -#}
{% macro register_file_id(column) -%}
    cast(hash({{ column }}) % 90000000000 as bigint)
{%- endmacro %}

{#- pre_hook of int_register_units_mapped: keep the matching keys of the rows about to be replaced
    (int_dwellings_matched needs the dwellings they matched with), then delete them. -#}
{% macro register_units_replace_hook() -%}
    {%- if register_increment() -%}
        create or replace table increment.register_units_replaced as
        select corporation_id, bag_vbo_number, bag_vbo_text
        from {{ this }}
        where source_file in {{ register_files_changed() }};
        delete from {{ this }} where source_file in {{ register_files_changed() }}
    {%- elif is_incremental() -%}
        delete from {{ this }}
    {%- endif -%}
{%- endmacro %}

{#- pre_hook of int_dwellings_matched: what the incremental build recomputes, then those rows deleted.
    A row depends on its units' bag groups (every unit with the same bag id in the pair, whichever
    corporation holds it: bag ids are matched across corporations, and the ranks of a bag id held
    twice order its holders) and on the rest partition of its corporation and vhe_nummer (the units
    matched on vhe_nummer). So a changed file affects
    - its corporation, whole (`increment.dwellings_corporations`): its units, its rows, is_compared;
    - of every other corporation, the units in a bag group with one of the file's old or new units,
      and every unit in the same (corporation, vhe_nummer) partition as one of those
      (`increment.dwellings_units`): nothing else of theirs can change.
    When the pairs of snapshots change (a snapshot added or gone), every corporation. -#}
{% macro dwellings_replace_hook() -%}
    {%- if register_increment() -%}
        create or replace temp table dwellings_changed_units as
        select corporation_id, bag_vbo_number, bag_vbo_text
        from increment.register_units_replaced
        union all
        select corporation_id, bag_vbo_number, bag_vbo_text
        from {{ ref('int_register_units_mapped') }}
        where source_file in {{ register_files_changed() }};

        create or replace table increment.dwellings_corporations as
        with
        pairs_now as (
            select distinct from_snapshot, to_snapshot from {{ ref('int_register_corporations_compared') }}
        ),
        pairs_before as (
            select distinct from_snapshot, to_snapshot from {{ this }}
        ),
        pairs_changed as (
            select count(*) > 0 as changed
            from ((from pairs_now except from pairs_before) union all (from pairs_before except from pairs_now))
        ),
        affected as (
            select corporation_id from dwellings_changed_units
            union
            select corporation_id from {{ ref('int_register_units_mapped') }}
            where (select changed from pairs_changed)
            union
            select unnest([from_corporation_id, to_corporation_id]) from {{ this }}
            where (select changed from pairs_changed)
        )
        select distinct corporation_id from affected where corporation_id is not null;

        create or replace table increment.dwellings_units as
        with
        touched as (
            select units.corporation_id, units.unit_number
            from {{ ref('int_register_units_mapped') }} as units
            where (units.bag_vbo_number in (select bag_vbo_number from dwellings_changed_units where bag_vbo_number is not null)
                or units.bag_vbo_text in (select bag_vbo_text from dwellings_changed_units where bag_vbo_text is not null))
              and units.corporation_id not in {{ dwellings_corporations() }}
        ),
        partitions as (
            select distinct corporation_id, unit_number from touched
        )
        select units.unit_key
        from {{ ref('int_register_units_mapped') }} as units
        semi join partitions
            on units.corporation_id = partitions.corporation_id
            and units.unit_number is not distinct from partitions.unit_number;

        drop table dwellings_changed_units;

        delete from {{ this }}
        where {{ dwellings_rows_recomputed() }}
    {%- else -%}
        {%- if is_incremental() %}
        delete from {{ this }};
        {%- endif %}
        {{ dwellings_bags_shared() }}
    {%- endif -%}
{%- endmacro %}

{#- The corporations int_dwellings_matched recomputes whole in this build (see dwellings_replace_hook). -#}
{%- macro dwellings_corporations() -%}
    (select corporation_id from increment.dwellings_corporations)
{%- endmacro %}

{#- The units the incremental build matches: of the corporations recomputed whole, and the other units affected. -#}
{%- macro dwellings_units_recomputed() -%}
    corporation_id in {{ dwellings_corporations() }}
    or unit_key in (select unit_key from increment.dwellings_units)
{%- endmacro %}

{#- The rows the incremental build replaces. -#}
{%- macro dwellings_rows_recomputed() -%}
    from_corporation_id in {{ dwellings_corporations() }}
    or to_corporation_id in {{ dwellings_corporations() }}
    or from_unit_key in (select unit_key from increment.dwellings_units)
    or to_unit_key in (select unit_key from increment.dwellings_units)
{%- endmacro %}

{#- Building int_dwellings_matched in batches of corporations ($NPA_DWELLING_BATCHES, default 1):
    DuckDB cannot spill every operator of the matching, so its memory grows with the units matched
    at once. Batch b holds the corporations whose hash is b modulo the number of batches; a row
    belongs to the batch of its later holder (its earlier one when it has none), so each row is
    written once, by the batch whose scope holds all it depends on. -#}
{% macro dwelling_batches() -%}
    {{ return(runtime_env('NPA_DWELLING_BATCHES', '1') | int) }}
{%- endmacro %}

{#- For a build in batches: the bag ids (number or text) that more than one corporation holds, in
    any snapshot, a null corporation counting as one of its own. A unit outside a batch that shares
    a bag id with a unit of the batch has one of these (dwellings_matching, `shared_bags`). A
    temporary table, so it lives as long as the build's connection: the post_hook drops it. -#}
{% macro dwellings_bags_shared() -%}
    {%- if dwelling_batches() > 1 -%}
        create or replace temp table dwellings_bags_shared as
        select bag_vbo_number, cast(null as varchar) as bag_vbo_text
        from {{ ref('int_register_units_mapped') }}
        where bag_vbo_number is not null
        group by bag_vbo_number
        having min(coalesce(corporation_id, '')) <> max(coalesce(corporation_id, ''))
        union all
        select null, bag_vbo_text
        from {{ ref('int_register_units_mapped') }}
        where bag_vbo_text is not null
        group by bag_vbo_text
        having min(coalesce(corporation_id, '')) <> max(coalesce(corporation_id, ''))
    {%- endif -%}
{%- endmacro %}

{% macro dwellings_batch_scope(batch) -%}
    {%- if dwelling_batches() > 1 -%}
        hash(corporation_id) % {{ dwelling_batches() }} = {{ batch }}
    {%- endif -%}
{%- endmacro %}

{% macro dwellings_batch_rows(batch) -%}
    {%- if dwelling_batches() > 1 -%}
        hash(coalesce(to_corporation_id, from_corporation_id)) % {{ dwelling_batches() }} = {{ batch }}
    {%- endif -%}
{%- endmacro %}

{#- post_hook of int_dwellings_matched: the batches after the first, in a build that is not incremental. -#}
{% macro dwellings_other_batches() -%}
    {%- if not register_increment() and dwelling_batches() > 1 -%}
        {%- for batch in range(1, dwelling_batches()) %}
        insert into {{ this }}
        {{ dwellings_matching(scope=dwellings_batch_scope(batch), rows=dwellings_batch_rows(batch), shared_bags=true) }};
        {%- endfor %}
        drop table dwellings_bags_shared
    {%- endif -%}
{%- endmacro %}
