-- Prestaties rows of accepted workbooks that pass the gate (row and file level).
{{ gated_source('raw', 'agreement_rows') }}

select
    source_file,
    source_row,
    corporatie as corporation_id,
    jaar as year,
    indicator as indicator_code,
    waarde as value,
    toelichting as note
from gated
