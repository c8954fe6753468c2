-- Every municipality per year (state on 1 January).
{{ gated_source('raw', 'ref_municipalities') }}

select
    source_file,
    source_row,
    year,
    upper(trim(gemeentecode)) as municipality_code,
    gemeentenaam as municipality_name,
    upper(trim(provinciecode)) as province_code,
    provincienaam as province_name,
    valid_from,
    valid_to
from gated
