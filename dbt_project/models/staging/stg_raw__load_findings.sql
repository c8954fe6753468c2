-- Findings raised while reading files (not gated: they are findings themselves).
select
    check_code,
    lower(trim(severity)) as severity,
    entity,
    detail,
    source_file,
    source_row
from {{ source('raw', 'load_findings') }}
