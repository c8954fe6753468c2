-- Dwelling identity across each pair of consecutive snapshots (raw-inputs.md): first matched on
-- bag_vbo_id where both snapshots have one, the rest on (corporation after merger mapping,
-- vhe_nummer), one to one; two dwellings that both have a (different) bag_vbo_id are not
-- matched on vhe_nummer. Matching runs over every dwelling of both snapshots, whichever
-- corporation holds it; `from_is_compared` / `to_is_compared` say whether the holding corporation
-- has an accepted file in both snapshots (only such dwellings count towards realisation).
-- One row per dwelling per pair: matched (both sides), only in the earlier snapshot (from_*), or
-- only in the later one (to_*).
--
-- Built for the national register (millions of units per snapshot):
-- - a bag_vbo_id held by one unit on each side (nearly all of them) is matched by one grouping,
--   without ranking; only bag ids held by several units of one snapshot are ranked (on each
--   side by corporation, vhe_nummer, file and row) and matched rank to rank;
-- - the few units left over are matched on (corporation, vhe_nummer), ranked by the corporation
--   as written, file and row;
-- - the table keeps the unit keys and the low-cardinality attributes realisation needs;
--   identifying details (file, row, vhe_nummer, bag id) stay in int_register_units_mapped.
-- Every pair of the register, with no reference date (consumers keep the pairs visible as of it):
-- an as-of build takes this table, the costliest of the project, from the nightly (as_of.py).
-- The matching itself is the macro dwellings_matching (macros/dwellings_matching.sql), run over
-- a scope of corporations:
-- - incremental (macros/register_increment.sql): a nightly where a few register files changed
--   recomputes the rows of their corporations and of the other corporations' dwellings they
--   affect (dwellings_replace_hook says which) and keeps the other rows;
-- - a full build on a large register runs in batches of corporations ($NPA_DWELLING_BATCHES, set
--   by the pipeline from the register's size), the first here, the others in the post_hook, so
--   that DuckDB's memory follows a batch rather than the whole register.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    tags=['as_of_independent'],
    pre_hook="{{ dwellings_replace_hook() }}",
    post_hook="{{ dwellings_other_batches() }}",
) }}
{%- if register_increment() %}
{{ dwellings_matching(scope=dwellings_units_recomputed(), rows=dwellings_rows_recomputed()) }}
{%- else %}
{{ dwellings_matching(scope=dwellings_batch_scope(0), rows=dwellings_batch_rows(0), shared_bags=true) }}
{%- endif %}

