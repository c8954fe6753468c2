{#- Reconciliation (N3): in a `*_by_area` model, each area level adds up exactly to the level
    above it. For every key (`group_by`, e.g. year and indicator_code) and each measure, the sum
    over the child areas equals the parent area's value, for these pairs:
    municipality -> corop_region, province, housing_market_region, national;
    corop_region -> province, national; province -> national; housing_market_region -> national.
    Memberships come from dim_municipality. A missing row reads as zero (areas with nothing to
    count are left out). Measures are compared with a relative tolerance of 1e-9 (float sums). -#}
{% test adds_up_across_area_levels(model, measures, group_by=[]) %}
{%- set keys = group_by -%}
with

area_rows as (
    select * from {{ model }}
),

municipalities as (
    select * from {{ ref('dim_municipality') }}
),

memberships as (
    select distinct 'municipality' as child_level, municipality_code as child_code,
        'corop_region' as parent_level, corop_code as parent_code
    from municipalities where corop_code is not null
    union all
    select distinct 'municipality', municipality_code, 'province', province_code
    from municipalities where province_code is not null
    union all
    select distinct 'municipality', municipality_code, 'housing_market_region', housing_market_region
    from municipalities where housing_market_region is not null
    union all
    select distinct 'municipality', municipality_code, 'national', 'NL'
    from municipalities
    union all
    select distinct 'corop_region', corop_code, 'province', province_code
    from municipalities where corop_code is not null and province_code is not null
    union all
    select distinct 'corop_region', corop_code, 'national', 'NL'
    from municipalities where corop_code is not null
    union all
    select distinct 'province', province_code, 'national', 'NL'
    from municipalities where province_code is not null
    union all
    select distinct 'housing_market_region', housing_market_region, 'national', 'NL'
    from municipalities where housing_market_region is not null
),

level_pairs as (
    select distinct child_level, parent_level from memberships
),

children_summed as (
    select
        memberships.child_level,
        memberships.parent_level,
        memberships.parent_code,
        {%- for key in keys %}
        area_rows.{{ key }},
        {%- endfor %}
        {%- for measure in measures %}
        sum(coalesce(area_rows.{{ measure }}, 0)) as {{ measure }}{{ "," if not loop.last }}
        {%- endfor %}
    from area_rows
    inner join memberships
        on area_rows.area_level = memberships.child_level
        and area_rows.area_code = memberships.child_code
    group by memberships.child_level, memberships.parent_level, memberships.parent_code
        {%- for key in keys %}, area_rows.{{ key }}{%- endfor %}
),

parents as (
    select
        level_pairs.child_level,
        area_rows.area_level as parent_level,
        area_rows.area_code as parent_code,
        {%- for key in keys %}
        area_rows.{{ key }},
        {%- endfor %}
        {%- for measure in measures %}
        coalesce(area_rows.{{ measure }}, 0) as {{ measure }}{{ "," if not loop.last }}
        {%- endfor %}
    from area_rows
    inner join level_pairs
        on area_rows.area_level = level_pairs.parent_level
),

compared as (
    select
        coalesce(parents.child_level, children_summed.child_level) as child_level,
        coalesce(parents.parent_level, children_summed.parent_level) as parent_level,
        coalesce(parents.parent_code, children_summed.parent_code) as parent_code,
        {%- for key in keys %}
        coalesce(parents.{{ key }}, children_summed.{{ key }}) as {{ key }},
        {%- endfor %}
        {%- for measure in measures %}
        coalesce(parents.{{ measure }}, 0) as parent_{{ measure }},
        coalesce(children_summed.{{ measure }}, 0) as children_{{ measure }}{{ "," if not loop.last }}
        {%- endfor %}
    from parents
    full outer join children_summed
        on parents.child_level = children_summed.child_level
        and parents.parent_level = children_summed.parent_level
        and parents.parent_code = children_summed.parent_code
        {%- for key in keys %}
        and parents.{{ key }} is not distinct from children_summed.{{ key }}
        {%- endfor %}
)

select *
from compared
where false
    {%- for measure in measures %}
    or abs(parent_{{ measure }} - children_{{ measure }})
        > 1e-9 * greatest(1, abs(parent_{{ measure }}))
    {%- endfor %}
{% endtest %}
