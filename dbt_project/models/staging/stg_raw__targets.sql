-- Extra national targets from data/raw/targets/*.csv; rows with a T1 error are kept out by the gate.
{{ gated_source('raw', 'targets') }}

select
    source_file,
    source_row,
    trim(target_code) as target_code,
    trim(description_nl) as description_nl,
    lower(trim(indicator_code)) as indicator_code,
    lower(trim(kind)) as kind,
    year_from,
    year_to,
    target_value,
    nullif(trim(unit), '') as unit,
    nullif(trim(source), '') as source
from gated
