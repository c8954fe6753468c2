-- The agreement workbooks visible as of `as_of` (datum_ondertekening on or before it; rejected
-- workbooks never), with "which agreement counts" (raw-inputs.md): per gemeentecode as written,
-- the visible signed workbook with the highest versie, then the later datum_ondertekening, then
-- the file name that sorts last. Bids and drafts never count. Also flags the most recent workbook
-- of any status per municipality (coverage) and the latest bid per municipality and corporation.
with

workbooks as (
    select * from {{ ref('stg_raw__agreement_workbooks') }}
    where {{ visible_as_of('signed_on') }}
),

municipality_codes as (
    select * from {{ ref('int_municipality_codes_mapped') }}
),

corporations as (
    select * from {{ ref('int_corporations_mapped') }}
),

mapped as (
    select
        workbooks.*,
        municipality_codes.municipality_code,
        case
            when workbooks.status = 'bod'
                then coalesce(corporations.successor_corporation_id, workbooks.parties[1])
        end as bidding_corporation_id
    from workbooks
    left join municipality_codes
        on workbooks.reported_municipality_code = municipality_codes.reported_municipality_code
    left join corporations
        on workbooks.parties[1] = corporations.corporation_id
),

signed_ranked as (
    select
        source_file,
        row_number() over (
            partition by reported_municipality_code
            order by agreement_version desc nulls last, signed_on desc nulls last, source_file desc
        ) as signed_rank,
        count(*) over (partition by reported_municipality_code, agreement_version) as n_signed_same_version
    from mapped
    where status = 'ondertekend'
),

latest_ranked as (
    select
        source_file,
        row_number() over (
            partition by municipality_code
            order by signed_on desc nulls last, agreement_version desc nulls last, source_file desc
        ) as latest_rank
    from mapped
),

bids_ranked as (
    select
        source_file,
        row_number() over (
            partition by municipality_code, bidding_corporation_id
            order by signed_on desc nulls last, agreement_version desc nulls last, source_file desc
        ) as bid_rank
    from mapped
    where status = 'bod'
),

final as (
    select
        mapped.source_file,
        mapped.sha256,
        mapped.municipality_code,
        mapped.reported_municipality_code,
        mapped.reported_municipality_name,
        mapped.status,
        mapped.signed_on,
        mapped.term_from,
        mapped.term_to,
        mapped.agreement_version,
        mapped.parties,
        mapped.tenant_organisations,
        mapped.bidding_corporation_id,
        coalesce(signed_ranked.signed_rank = 1, false) as is_counting,
        signed_ranked.n_signed_same_version,
        latest_ranked.latest_rank = 1 as is_latest_of_municipality,
        coalesce(bids_ranked.bid_rank = 1, false) as is_latest_bid
    from mapped
    left join signed_ranked
        on mapped.source_file = signed_ranked.source_file
    left join latest_ranked
        on mapped.source_file = latest_ranked.source_file
    left join bids_ranked
        on mapped.source_file = bids_ranked.source_file
)

select * from final
