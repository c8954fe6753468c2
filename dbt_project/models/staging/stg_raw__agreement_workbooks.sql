-- Accepted agreement workbooks (sheet Afspraak) that pass the gate (file-level errors only).
{{ gated_source('raw', 'agreement_workbooks', has_source_row=false) }}

select
    source_file,
    sha256,
    gemeentecode as reported_municipality_code,
    gemeentenaam as reported_municipality_name,
    status,
    datum_ondertekening as signed_on,
    looptijd_van as term_from,
    looptijd_tot as term_to,
    versie as agreement_version,
    list_transform(
        list_filter(corporaties, lambda x: x is not null and trim(x) <> ''),
        lambda x: upper(trim(x))
    ) as parties,
    huurdersorganisaties as tenant_organisations
from gated
