-- The A8 gate holds: fct_commitments has no verbetering_efg commitment of a corporation in a
-- municipality listed in int_commitments_efg_overcommitted.
select fct.*
from {{ ref('fct_commitments') }} as fct
inner join {{ ref('int_commitments_efg_overcommitted') }} as overcommitted
    on fct.municipality_code = overcommitted.municipality_code
    and fct.corporation_id = overcommitted.corporation_id
where fct.indicator_code = 'verbetering_efg'
