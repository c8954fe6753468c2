-- The commitments of the signed agreements that count (no bids, no drafts), per municipality of
-- the reporting set, corporation (after merger mapping), year and indicator; without the
-- verbetering_efg commitments the A8 gate keeps out.
with

commitments as (
    select * from {{ ref('int_commitments_booked') }}
),

efg_overcommitted as (
    select * from {{ ref('int_commitments_efg_overcommitted') }}
),

gated as (
    select commitments.*
    from commitments
    anti join efg_overcommitted
        on commitments.municipality_code = efg_overcommitted.municipality_code
        and commitments.corporation_id = efg_overcommitted.corporation_id
        and commitments.indicator_code = 'verbetering_efg'
),

final as (
    select
        municipality_code,
        corporation_id,
        cast(year as integer) as year,
        indicator_code,
        cast(value as double) as value,
        status,
        signed_on,
        cast(agreement_version as integer) as agreement_version,
        source_file
    from gated
)

select * from final
