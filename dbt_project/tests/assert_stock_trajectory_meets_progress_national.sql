-- At year_to, the national stock trajectory of a stock target equals its projected_value in
-- progress_national.
with

progress as (
    select * from {{ ref('progress_national') }}
    where kind = 'stock' and projected_value is not null
),

trajectory as (
    select * from {{ ref('stock_trajectory') }}
    where area_level = 'national'
)

select progress.target_code, progress.projected_value, trajectory.projected_stock
from progress
inner join trajectory
    on trajectory.target_code = progress.target_code
    and trajectory.year = progress.year_to
where abs(progress.projected_value - trajectory.projected_stock) > 1e-6
