-- A11 (warning): the signed agreement that counts commits less than the corporation's latest bid
-- (visible as of `as_of`) for the same municipality, year and indicator; a row missing from the
-- agreement counts as 0. Municipality as written in the workbooks (the bid and the agreement of
-- Brielle are compared, not the merged Voorne aan Zee), corporation after merger mapping; "the
-- latest bid" per municipality and corporation is the one with the latest datum_ondertekening,
-- then the highest versie. Only where the municipality has a signed agreement that counts (one
-- without is A10). One finding per bid workbook, with up to 10 shortfalls.
with

workbooks as (
    select * from {{ ref('int_agreement_workbooks_ranked') }}
),

latest_bids as (
    select * from workbooks
    where status = 'bod'
    qualify row_number() over (
        partition by reported_municipality_code, bidding_corporation_id
        order by signed_on desc nulls last, agreement_version desc nulls last, source_file desc
    ) = 1
),

counting_workbooks as (
    select * from workbooks
    where is_counting
),

agreement_rows as (
    select * from {{ ref('stg_raw__agreement_rows') }}
    where value is not null
      and year is not null
      and corporation_id is not null
),

corporations as (
    select * from {{ ref('int_corporations_mapped') }}
),

bid_values as (
    select
        latest_bids.source_file,
        latest_bids.reported_municipality_code,
        coalesce(corporations.successor_corporation_id, agreement_rows.corporation_id) as corporation_id,
        agreement_rows.year,
        agreement_rows.indicator_code,
        sum(agreement_rows.value) as bid_value
    from latest_bids
    inner join agreement_rows
        on latest_bids.source_file = agreement_rows.source_file
    left join corporations
        on agreement_rows.corporation_id = corporations.corporation_id
    group by all
),

signed_values as (
    select
        counting_workbooks.reported_municipality_code,
        any_value(counting_workbooks.source_file) as agreement_file,
        coalesce(corporations.successor_corporation_id, agreement_rows.corporation_id) as corporation_id,
        agreement_rows.year,
        agreement_rows.indicator_code,
        sum(agreement_rows.value) as signed_value
    from counting_workbooks
    inner join agreement_rows
        on counting_workbooks.source_file = agreement_rows.source_file
    left join corporations
        on agreement_rows.corporation_id = corporations.corporation_id
    group by counting_workbooks.reported_municipality_code, 3, agreement_rows.year, agreement_rows.indicator_code
),

shortfalls as (
    select
        bid_values.*,
        counting_workbooks.source_file as agreement_file,
        coalesce(signed_values.signed_value, 0) as signed_value
    from bid_values
    inner join counting_workbooks
        on bid_values.reported_municipality_code = counting_workbooks.reported_municipality_code
    left join signed_values
        on bid_values.reported_municipality_code = signed_values.reported_municipality_code
        and bid_values.corporation_id = signed_values.corporation_id
        and bid_values.year = signed_values.year
        and bid_values.indicator_code = signed_values.indicator_code
    where coalesce(signed_values.signed_value, 0) < bid_values.bid_value
),

per_bid as (
    select
        source_file,
        reported_municipality_code,
        corporation_id,
        any_value(agreement_file) as agreement_file,
        count(*) as n_shortfalls,
        list(
            indicator_code || ' ' || year || ': bid ' || format('{:,.0f}', bid_value)
                || ', agreed ' || format('{:,.0f}', signed_value)
            order by indicator_code, year
        )[1:10] as examples
    from shortfalls
    group by source_file, reported_municipality_code, corporation_id
),

final as (
    select
        'dbt.{{ this.name }}' as suite,
        'A11' as check_code,
        'warning' as severity,
        corporation_id || ' in ' || reported_municipality_code as entity,
        source_file || ': the signed agreement that counts for ' || reported_municipality_code
            || ' (' || agreement_file || ') commits ' || corporation_id
            || ' to less than this, its latest bid, in ' || n_shortfalls || ' case(s): '
            || array_to_string(examples, '; ') || case when n_shortfalls > 10 then '; ...' else '' end as detail,
        source_file
    from per_bid
)

select * from final
