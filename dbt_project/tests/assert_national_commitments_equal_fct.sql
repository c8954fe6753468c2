-- The national committed_value of every agreement indicator equals the sum of fct_commitments.
with

fct as (
    select year, indicator_code, sum(value) as value
    from {{ ref('fct_commitments') }}
    group by year, indicator_code
),

national as (
    select year, indicator_code, committed_value
    from {{ ref('commitments_by_area') }}
    where area_level = 'national'
      and indicator_code in (select indicator_code from {{ ref('dim_indicator') }} where from_agreements)
)

select coalesce(fct.year, national.year) as year, coalesce(fct.indicator_code, national.indicator_code) as indicator_code,
    fct.value, national.committed_value
from fct
full outer join national
    on fct.year = national.year and fct.indicator_code = national.indicator_code
where abs(coalesce(fct.value, 0) - coalesce(national.committed_value, 0))
    > 1e-9 * greatest(1, abs(coalesce(fct.value, 0)))
