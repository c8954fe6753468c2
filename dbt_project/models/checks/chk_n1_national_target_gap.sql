-- N1 (warning): the local contributions do not add up to a national target: one finding per
-- target that is not on track in marts.progress_national (flow: committed below target; stock:
-- projected stock above target), with the gap.
with

progress as (
    select * from {{ ref('progress_national') }}
    where not on_track
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'N1' as check_code,
        'warning' as severity,
        target_code as entity,
        target_code || ' (' || kind || ', ' || year_from || '-' || coalesce(cast(year_to as varchar), 'no deadline')
            || '): '
            || case
                when kind = 'flow' then
                    'the local agreements commit ' || format('{:,.0f}', committed_value) || ' ' || unit
                    || ' against a national target of ' || format('{:,.0f}', target_value)
                    || ': short by ' || format('{:,.0f}', -gap)
                else
                    'the projected stock at the end of ' || year_to || ' is ' || format('{:,.0f}', projected_value)
                    || ' ' || unit || ' (committed improvements ' || format('{:,.0f}', committed_value)
                    || ') against a target of ' || format('{:,.0f}', target_value)
                    || ': ' || format('{:,.0f}', gap) || ' too many'
               end as detail,
        cast(null as varchar) as source_file
    from progress
)

select * from final
