-- The national targets: those shipped with the project (seed) and the valid rows of
-- data/raw/targets/*.csv (rows with a T1 error are kept out by the gate; as a second line of
-- defence a row that redefines a shipped code, names an unknown indicator or kind, or has its
-- years reversed is left out here too, and a code defined twice keeps its first definition).
-- Nothing here reads a reference date: an as-of build takes this table from the nightly (as_of.py).
{{ config(tags=['as_of_independent']) }}
with

shipped as (
    select * from {{ ref('national_targets_shipped') }}
),

extra as (
    select * from {{ ref('stg_raw__targets') }}
),

indicators as (
    select * from {{ ref('indicators') }}
),

extra_valid as (
    select
        extra.target_code,
        extra.description_nl,
        extra.indicator_code,
        extra.kind,
        extra.year_from,
        extra.year_to,
        extra.target_value,
        coalesce(extra.unit, indicators.unit) as unit,
        extra.source,
        extra.source_file
    from extra
    inner join indicators
        on extra.indicator_code = indicators.indicator_code
    anti join shipped
        on extra.target_code = shipped.target_code
    where extra.target_code is not null
      and extra.kind in ('flow', 'stock')
      and extra.year_from is not null
      and extra.target_value is not null
      and (extra.year_to is null or extra.year_from <= extra.year_to)
    qualify row_number() over (
        partition by extra.target_code order by extra.source_file, extra.source_row
    ) = 1
),

final as (
    select
        target_code,
        description_nl,
        indicator_code,
        kind,
        cast(year_from as integer) as year_from,
        cast(year_to as integer) as year_to,
        cast(target_value as double) as target_value,
        unit,
        source,
        cast(null as varchar) as source_file
    from shipped
    union all
    select
        target_code,
        description_nl,
        indicator_code,
        kind,
        year_from,
        year_to,
        target_value,
        unit,
        source,
        source_file
    from extra_valid
)

select * from final
