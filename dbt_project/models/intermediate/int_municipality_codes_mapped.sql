-- Every municipality code the reference data knows (any year, either side of a merger), mapped to
-- the municipality of the reporting set it now belongs to: a merged code follows the primary
-- successor (is_primary_successor), a chain A -> B -> C to its end.
-- Nothing here reads a reference date: an as-of build takes this table from the nightly (as_of.py).
{{ config(tags=['as_of_independent']) }}
with recursive

municipalities as (
    select * from {{ ref('stg_raw__ref_municipalities') }}
),

mergers as (
    select * from {{ ref('stg_raw__ref_municipal_mergers') }}
),

reporting_set as (
    select * from {{ ref('int_municipalities_selected') }}
),

primary_successors as (
    select old_municipality_code, min(new_municipality_code) as new_municipality_code
    from mergers
    where is_primary_successor
      and old_municipality_code <> new_municipality_code
    group by old_municipality_code
),

known_codes as (
    select municipality_code from municipalities
    union
    select old_municipality_code from mergers
    union
    select new_municipality_code from mergers
),

chain as (
    select
        known_codes.municipality_code as reported_municipality_code,
        known_codes.municipality_code as current_code,
        0 as n_steps
    from known_codes
    union all
    select
        chain.reported_municipality_code,
        primary_successors.new_municipality_code as current_code,
        chain.n_steps + 1 as n_steps
    from chain
    inner join primary_successors
        on chain.current_code = primary_successors.old_municipality_code
    where chain.n_steps < 25  -- guards against a cycle in a faulty mergers file
),

chain_end as (
    select reported_municipality_code, arg_max(current_code, n_steps) as final_code, max(n_steps) as n_steps
    from chain
    group by reported_municipality_code
),

final as (
    select
        chain_end.reported_municipality_code,
        reporting_set.municipality_code,
        chain_end.n_steps > 0 as is_merged,
        chain_end.n_steps as n_merger_steps
    from chain_end
    left join reporting_set
        on chain_end.final_code = reporting_set.municipality_code
)

select * from final
