-- What the register shows was realised (raw-inputs.md, the rules literally), per pair of
-- consecutive snapshots, municipality and corporation (after merger mapping), attributed to the
-- year of the later snapshot and to the municipality of the dwelling in it (`uitstroom`: in the
-- earlier one). Only dwellings of corporations with an accepted file in both snapshots count.
with

dwellings as (
    select * from {{ ref('int_dwellings_matched') }}
    where {{ visible_as_of('to_snapshot') }}
),

states as (
    select
        *,
        from_unit_key is not null and to_unit_key is not null
            and from_is_compared and to_is_compared as is_kept,
        from_unit_key is null and to_unit_key is not null and to_is_compared as is_new,
        from_unit_key is not null and to_unit_key is null and from_is_compared as is_gone,
        year(from_snapshot) as from_year
    from dwellings
),

flags as (
    select
        from_snapshot,
        to_snapshot,
        year,
        from_municipality_code,
        from_corporation_id,
        to_municipality_code,
        to_corporation_id,
        is_new and to_construction_year > from_year as is_nieuwbouw,
        is_new and to_construction_year <= from_year as is_toevoeging_bestaand,
        is_gone as is_uitstroom,
        is_kept
            and from_energy_label in ('E', 'F', 'G')
            and to_energy_label in ('A++++', 'A+++', 'A++', 'A+', 'A', 'B', 'C', 'D')
            as is_verbetering_efg,
        is_kept
            and from_condition_score in (5, 6)
            and to_condition_score between 1 and 4
            as is_herstel_conditie_56,
        is_kept
            and from_heating = 'gasketel'
            and to_heating in ('warmtepomp', 'hybride')
            as is_warmtepompen,
        is_kept
            and from_has_solar_panels = false
            and to_has_solar_panels = true
            as is_zonnepanelen,
        (is_new or (is_kept and from_is_clustered_elderly = false))
            and to_is_clustered_elderly = true
            as is_ouderenwoningen_geclusterd,
        is_new and to_is_flex = true as is_flexwoningen
    from states
),

in_later_snapshot as (
    select
        from_snapshot,
        to_snapshot,
        year,
        to_municipality_code as municipality_code,
        to_corporation_id as corporation_id,
        count_if(is_nieuwbouw) as nieuwbouw,
        count_if(is_toevoeging_bestaand) as toevoeging_bestaand,
        count_if(is_verbetering_efg) as verbetering_efg,
        count_if(is_herstel_conditie_56) as herstel_conditie_56,
        count_if(is_warmtepompen) as warmtepompen,
        count_if(is_zonnepanelen) as zonnepanelen,
        count_if(is_ouderenwoningen_geclusterd) as ouderenwoningen_geclusterd,
        count_if(is_flexwoningen) as flexwoningen
    from flags
    where to_corporation_id is not null
    group by from_snapshot, to_snapshot, year, to_municipality_code, to_corporation_id
),

in_earlier_snapshot as (
    select
        from_snapshot,
        to_snapshot,
        year,
        from_municipality_code as municipality_code,
        from_corporation_id as corporation_id,
        'uitstroom' as indicator_code,
        count_if(is_uitstroom) as realised_value
    from flags
    where from_corporation_id is not null
    group by from_snapshot, to_snapshot, year, from_municipality_code, from_corporation_id
),

unpivoted as (
    unpivot in_later_snapshot
    on nieuwbouw, toevoeging_bestaand, verbetering_efg, herstel_conditie_56, warmtepompen,
        zonnepanelen, ouderenwoningen_geclusterd, flexwoningen
    into name indicator_code value realised_value
),

realised as (
    select from_snapshot, to_snapshot, year, municipality_code, corporation_id, indicator_code, realised_value
    from unpivoted
    union all
    select from_snapshot, to_snapshot, year, municipality_code, corporation_id, indicator_code, realised_value
    from in_earlier_snapshot
),

final as (
    select
        from_snapshot,
        to_snapshot,
        cast(year as integer) as year,
        municipality_code,
        corporation_id,
        indicator_code,
        cast(realised_value as bigint) as realised_value
    from realised
    where realised_value > 0
)

select * from final
