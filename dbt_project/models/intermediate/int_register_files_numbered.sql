-- Every register file the raw layer has seen, with the number its units' unit_key carries
-- (a hash of the path: it stays the same whatever other files come and go, which an incremental
-- build relies on) and its rank in name order. The rank orders units where the matching needs a
-- tie-breaker, as (source_file, source_row) would, without carrying the path.
{{ config(tags=['as_of_independent']) }}
select
    file_path as source_file,
    {{ register_file_id('file_path') }} as file_id,
    row_number() over (order by file_path) as file_rank
from {{ ref('stg_raw__load_log') }}
where kind = 'register'
