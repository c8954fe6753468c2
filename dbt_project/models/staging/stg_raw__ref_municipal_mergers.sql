-- Abolished municipality -> receiving municipality (one row per receiver).
{{ gated_source('raw', 'ref_municipal_mergers') }}

select
    source_file,
    source_row,
    effective_date,
    upper(trim(old_gemeentecode)) as old_municipality_code,
    old_gemeentenaam as old_municipality_name,
    upper(trim(new_gemeentecode)) as new_municipality_code,
    new_gemeentenaam as new_municipality_name,
    new_code_is_new_municipality as is_new_municipality,
    addresses_moved,
    old_addresses_total,
    share_of_old_addresses,
    coalesce(is_primary_successor, false) as is_primary_successor
from gated
