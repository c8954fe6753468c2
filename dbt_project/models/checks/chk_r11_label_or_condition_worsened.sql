-- R11 (warning): between two consecutive snapshots a dwelling's energy label went from D or better
-- to E, F or G, or its condition score got worse by 3 or more. One finding per rule and register
-- file of the later snapshot, with the number of dwellings and up to 10 examples.
with

dwellings as (
    select * from {{ ref('int_dwellings_matched') }}
    where matched_on is not null and {{ visible_as_of('to_snapshot') }}
),

-- the file, row and vhe_nummer of the later snapshot, only for the dwellings that worsened
units as (
    select unit_key, source_file, source_row, reported_corporation_id, unit_number
    from {{ ref('int_register_units_mapped') }}
),

worsened_dwellings as (
    select
        dwellings.from_energy_label in ('A++++', 'A+++', 'A++', 'A+', 'A', 'B', 'C', 'D')
            and dwellings.to_energy_label in ('E', 'F', 'G') as is_label_worsened,
        coalesce(dwellings.to_condition_score - dwellings.from_condition_score >= 3, false)
            as is_condition_worsened,
        dwellings.from_snapshot,
        dwellings.to_snapshot,
        dwellings.to_corporation_id,
        dwellings.from_energy_label,
        dwellings.to_energy_label,
        dwellings.from_condition_score,
        dwellings.to_condition_score,
        units.source_file as to_source_file,
        units.source_row as to_source_row,
        units.reported_corporation_id as to_reported_corporation_id,
        units.unit_number as to_unit_number
    from dwellings
    inner join units
        on dwellings.to_unit_key = units.unit_key
    where (dwellings.from_energy_label in ('A++++', 'A+++', 'A++', 'A+', 'A', 'B', 'C', 'D')
            and dwellings.to_energy_label in ('E', 'F', 'G'))
       or dwellings.to_condition_score - dwellings.from_condition_score >= 3
),

worsened as (
    select
        'label' as rule,
        to_source_file as source_file,
        to_corporation_id as corporation_id,
        from_snapshot,
        to_snapshot,
        to_reported_corporation_id || ' VHE ' || to_unit_number
            || ' (row ' || to_source_row || ': ' || from_energy_label || ' -> ' || to_energy_label || ')' as example,
        to_source_row
    from worsened_dwellings
    where is_label_worsened
    union all
    select
        'condition',
        to_source_file,
        to_corporation_id,
        from_snapshot,
        to_snapshot,
        to_reported_corporation_id || ' VHE ' || to_unit_number
            || ' (row ' || to_source_row || ': ' || from_condition_score || ' -> ' || to_condition_score || ')',
        to_source_row
    from worsened_dwellings
    where is_condition_worsened
),

per_file as (
    select
        rule,
        source_file,
        any_value(corporation_id) as corporation_id,
        any_value(from_snapshot) as from_snapshot,
        any_value(to_snapshot) as to_snapshot,
        count(*) as n_dwellings,
        list(example order by to_source_row)[1:10] as examples
    from worsened
    group by rule, source_file
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'R11' as check_code,
        'warning' as severity,
        corporation_id as entity,
        source_file || ': ' || n_dwellings || ' dwelling(s) '
            || case rule
                when 'label' then 'went from label D or better to E, F or G'
                else 'got a condition score worse by 3 or more'
               end
            || ' between ' || from_snapshot || ' and ' || to_snapshot || '; e.g. '
            || array_to_string(examples, ', ') || case when n_dwellings > 10 then ', ...' else '' end
            as detail,
        source_file
    from per_file
)

select * from final
