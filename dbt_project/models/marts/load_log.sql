-- Every raw file seen by the load, with its status.
with

load_log as (
    select * from {{ ref('stg_raw__load_log') }}
),

final as (
    select
        file_path,
        sha256,
        kind,
        rows_read,
        status,
        error,
        loaded_at
    from load_log
)

select * from final
