-- N3 (error): roll-up inconsistency. For every *_by_area mart and additive measure, each area above
-- the municipality level must equal the sum of its municipalities (through the area bridge);
-- absent rows read as zero. Computed, not assumed: it should give no rows.
{%- set rollups = [
    {'model': 'commitments_by_area', 'keys': ['year', 'indicator_code'], 'measures': ['committed_value']},
    {'model': 'stock_by_area', 'keys': ['snapshot_date'], 'measures': [
        'n_dwellings', 'n_label_efg', 'n_label_missing', 'n_condition_56', 'n_gas_boiler',
        'n_heat_pump', 'n_solar_panels', 'n_clustered_elderly', 'n_flex']},
    {'model': 'realisation_by_area', 'keys': ['from_snapshot', 'to_snapshot', 'year', 'indicator_code'],
     'measures': ['realised_value']},
    {'model': 'progress_by_area', 'keys': ['year', 'indicator_code'], 'measures': ['committed_value', 'realised_value']},
] %}
with

areas as (
    select * from {{ ref('int_municipality_areas_unioned') }}
    where area_level <> 'municipality'
),

{%- for rollup in rollups %}
{%- set keys = rollup['keys'] %}

{{ rollup['model'] }}_differences as (
    {%- for measure in rollup['measures'] %}
    select
        '{{ rollup['model'] }}' as model_name,
        '{{ measure }}' as measure,
        coalesce(higher.area_level, summed.area_level) as area_level,
        coalesce(higher.area_code, summed.area_code) as area_code,
        concat_ws(', ', {% for k in keys %}cast(coalesce(higher.{{ k }}, summed.{{ k }}) as varchar){{ ", " if not loop.last }}{% endfor %}) as key_values,
        coalesce(higher.value, 0) as area_value,
        coalesce(summed.value, 0) as sum_of_municipalities
    from (
        select {% for k in keys %}{{ k }}, {% endfor %}area_level, area_code, cast({{ measure }} as double) as value
        from {{ ref(rollup['model']) }}
        where area_level <> 'municipality'
    ) as higher
    full outer join (
        select {% for k in keys %}municipal.{{ k }}, {% endfor %}areas.area_level, areas.area_code,
            sum(cast(municipal.{{ measure }} as double)) as value
        from {{ ref(rollup['model']) }} as municipal
        inner join areas
            on municipal.area_code = areas.municipality_code
        where municipal.area_level = 'municipality'
        group by all
    ) as summed
        on higher.area_level = summed.area_level
        and higher.area_code = summed.area_code
        {%- for k in keys %}
        and higher.{{ k }} is not distinct from summed.{{ k }}
        {%- endfor %}
    where abs(coalesce(higher.value, 0) - coalesce(summed.value, 0))
        > 1e-6 * greatest(1, abs(coalesce(higher.value, 0)))
    {{ "union all" if not loop.last }}
    {%- endfor %}
),
{%- endfor %}

differences as (
    {%- for rollup in rollups %}
    select * from {{ rollup['model'] }}_differences
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'N3' as check_code,
        'error' as severity,
        model_name || ' ' || area_level || ' ' || area_code as entity,
        model_name || '.' || measure || ' for ' || area_level || ' ' || area_code || ' (' || key_values || ') is '
            || format('{:,.2f}', area_value) || ', but its municipalities add up to '
            || format('{:,.2f}', sum_of_municipalities) as detail,
        cast(null as varchar) as source_file
    from differences
)

select * from final
