-- R12 (warning): a corporation's stock (after merger mapping) changed by more than 20% between two
-- consecutive snapshots in which it has an accepted register file.
with

compared as (
    select * from {{ ref('int_register_corporations_compared') }}
    where {{ visible_as_of('to_snapshot') }} and is_compared
),

stock as (
    select snapshot_date, corporation_id, sum(n_dwellings) as n_dwellings
    from {{ ref('int_register_stock_aggregated') }}
    group by snapshot_date, corporation_id
),

changes as (
    select
        compared.corporation_id,
        compared.from_snapshot,
        compared.to_snapshot,
        compared.to_source_files,
        coalesce(from_stock.n_dwellings, 0) as n_from,
        coalesce(to_stock.n_dwellings, 0) as n_to
    from compared
    left join stock as from_stock
        on from_stock.snapshot_date = compared.from_snapshot
        and from_stock.corporation_id = compared.corporation_id
    left join stock as to_stock
        on to_stock.snapshot_date = compared.to_snapshot
        and to_stock.corporation_id = compared.corporation_id
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'R12' as check_code,
        'warning' as severity,
        corporation_id as entity,
        'the stock of ' || corporation_id || ' went from ' || format('{:,}', n_from) || ' dwellings on '
            || from_snapshot || ' to ' || format('{:,}', n_to) || ' on ' || to_snapshot || ' ('
            || case when n_to >= n_from then '+' else '' end
            || format('{:.1f}', 100.0 * (n_to - n_from) / n_from) || '%, more than 20%); check the file(s) '
            || to_source_files as detail,
        to_source_files as source_file
    from changes
    where n_from > 0
      and abs(n_to - n_from) > 0.2 * n_from
)

select * from final
