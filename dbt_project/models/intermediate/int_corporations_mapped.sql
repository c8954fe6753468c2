-- Every corporation of corporaties.csv with the corporation its figures are booked on now: itself,
-- or after a merger the one it merged into (opgegaan_in), a chain followed to its end.
-- Nothing here reads a reference date: an as-of build takes this table from the nightly (as_of.py).
{{ config(tags=['as_of_independent']) }}
with recursive

corporations as (
    select * from {{ ref('stg_raw__ref_corporaties') }}
),

corporations_deduplicated as (
    -- one row per L-number (the first row of the file wins should it list one twice)
    select *
    from corporations
    qualify row_number() over (partition by corporation_id order by source_file, source_row) = 1
),

successors as (
    select corporation_id, merged_into
    from corporations_deduplicated
    where merged_into is not null
      and merged_into <> corporation_id
),

chain as (
    select corporation_id, corporation_id as current_id, 0 as n_steps
    from corporations_deduplicated
    union all
    select chain.corporation_id, successors.merged_into as current_id, chain.n_steps + 1 as n_steps
    from chain
    inner join successors
        on chain.current_id = successors.corporation_id
    where chain.n_steps < 25  -- guards against a cycle in a faulty file
),

chain_end as (
    select corporation_id, arg_max(current_id, n_steps) as successor_corporation_id, max(n_steps) as n_steps
    from chain
    group by corporation_id
),

final as (
    select
        corporations_deduplicated.corporation_id,
        corporations_deduplicated.corporation_name,
        corporations_deduplicated.seat_municipality_code,
        corporations_deduplicated.dissolved_on,
        corporations_deduplicated.merged_into,
        chain_end.successor_corporation_id,
        chain_end.n_steps > 0 as is_merged
    from corporations_deduplicated
    inner join chain_end
        on corporations_deduplicated.corporation_id = chain_end.corporation_id
)

select * from final
