-- Optional municipality -> housing-market region (empty when no file is supplied).
{{ gated_source('raw', 'ref_woningmarktregios') }}

select
    source_file,
    source_row,
    upper(trim(gemeentecode)) as municipality_code,
    trim(woningmarktregio) as housing_market_region
from gated
where nullif(trim(woningmarktregio), '') is not null
