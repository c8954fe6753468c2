-- Housing corporations as in the regulator's open data.
{{ gated_source('raw', 'ref_corporaties') }}

select
    source_file,
    source_row,
    upper(trim(corporatie)) as corporation_id,
    trim(naam) as corporation_name,
    upper(nullif(trim(vestigingsgemeente), '')) as seat_municipality_code,
    opgeheven_per as dissolved_on,
    upper(nullif(trim(opgegaan_in), '')) as merged_into
from gated
