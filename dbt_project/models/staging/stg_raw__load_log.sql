-- One row per raw file ever seen (not gated: it is the record of the load itself).
select
    file_path,
    sha256,
    kind,
    rows_read,
    status,
    error,
    loaded_at
from {{ source('raw', 'load_log') }}
