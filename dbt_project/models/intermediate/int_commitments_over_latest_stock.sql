-- The commitments that bring a stock down, beside that stock: per indicator (verbetering_efg and
-- the E/F/G homes, herstel_conditie_56 and the homes in condition 5 or 6), municipality and
-- corporation, what is committed over the years after the latest snapshot (as of `as_of`) and how
-- many such homes the corporation owns there in that snapshot. Only corporations with an accepted
-- file in that snapshot (the others are R13, no cascade); nothing without a visible snapshot.
-- The A8 gate (int_commitments_efg_overcommitted) and A9 keep the rows committing more than owned.
{%- set owned_column = {'verbetering_efg': 'n_label_efg', 'herstel_conditie_56': 'n_condition_56'} %}
with

commitments as (
    select * from {{ ref('int_commitments_booked') }}
    where indicator_code in ('{{ owned_column | join("', '") }}')
),

stock as (
    select * from {{ ref('int_register_stock_aggregated') }}
    where is_latest_snapshot
),

latest_snapshot as (
    select snapshot_date, snapshot_year
    from {{ ref('int_register_snapshots_ordered') }}
    where is_latest
),

corporations_in_latest_snapshot as (
    select distinct corporation_id from stock
),

committed_after_snapshot as (
    select
        commitments.indicator_code,
        commitments.municipality_code,
        commitments.corporation_id,
        latest_snapshot.snapshot_date as latest_snapshot_date,
        {{ exact_sum('commitments.value') }} as committed,
        string_agg(distinct commitments.source_file, ', ' order by commitments.source_file) as source_files
    from commitments
    inner join latest_snapshot
        on commitments.year > latest_snapshot.snapshot_year
    group by
        commitments.indicator_code, commitments.municipality_code, commitments.corporation_id,
        latest_snapshot.snapshot_date
),

owned_homes as (
    select
        municipality_code,
        corporation_id,
        {%- for column in owned_column.values() %}
        sum({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from stock
    group by municipality_code, corporation_id
),

final as (
    select
        committed_after_snapshot.indicator_code,
        committed_after_snapshot.municipality_code,
        committed_after_snapshot.corporation_id,
        committed_after_snapshot.committed,
        cast(coalesce(case committed_after_snapshot.indicator_code
            {%- for indicator, column in owned_column.items() %}
            when '{{ indicator }}' then owned_homes.{{ column }}
            {%- endfor %}
        end, 0) as bigint) as owned,
        committed_after_snapshot.latest_snapshot_date,
        committed_after_snapshot.source_files
    from committed_after_snapshot
    inner join corporations_in_latest_snapshot
        on committed_after_snapshot.corporation_id = corporations_in_latest_snapshot.corporation_id
    left join owned_homes
        on committed_after_snapshot.municipality_code = owned_homes.municipality_code
        and committed_after_snapshot.corporation_id = owned_homes.corporation_id
)

select * from final
