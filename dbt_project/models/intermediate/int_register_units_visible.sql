-- The register units of the snapshots visible as of `as_of` (peildatum on or before it; all of
-- them without a reference date). A view: the filter is pushed into each query that reads it.
{{ config(materialized='view') }}

select *
from {{ ref('int_register_units_mapped') }}
where {{ visible_as_of('snapshot_date') }}
