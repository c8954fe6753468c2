-- Register rows that pass the gate, renamed and typed. Codes as written (merged municipality and
-- corporation codes are mapped in intermediate).
{{ gated_source('raw', 'register_units') }}

select
    source_file,
    source_row,
    -- F3 keeps out files whose peildatum/corporatie disagree with the folder/file name, so
    -- the two agree here; the file's own date and corporation fill an empty value
    coalesce(peildatum, file_date) as snapshot_date,
    coalesce(corporatie, file_corporation) as corporation_id,
    vhe_nummer as unit_number,
    nullif(trim(bag_vbo_id), '') as bag_vbo_id,
    gemeentecode as municipality_code,
    postcode,
    woningtype as dwelling_type,
    bouwjaar as construction_year,
    energielabel as energy_label,
    conditiescore as condition_score,
    verwarming as heating,
    {{ yes_no_to_boolean('zonnepanelen') }} as has_solar_panels,
    {{ yes_no_to_boolean('geclusterd_ouderen') }} as is_clustered_elderly,
    {{ yes_no_to_boolean('flexwoning') }} as is_flex,
    huursegment as rent_segment,
    kale_huur as net_rent
from gated
