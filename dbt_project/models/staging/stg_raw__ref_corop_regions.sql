-- Municipality -> COROP region.
{{ gated_source('raw', 'ref_corop_regions') }}

select
    source_file,
    source_row,
    upper(trim(gemeentecode)) as municipality_code,
    gemeentenaam as municipality_name,
    upper(trim(corop_code)) as corop_code,
    corop_naam as corop_name,
    municipality_set
from gated
