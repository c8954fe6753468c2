-- Findings of the checks over the raw layer (GX suites and SQL), as the gate reads them.
select
    suite,
    check_code,
    lower(trim(severity)) as severity,
    entity,
    detail,
    source_file,
    source_row
from {{ source('checks', 'findings') }}
