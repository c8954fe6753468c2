-- Every indicator: those of the agreement template, those derived from the register, and the
-- derived investering_onderhoud.
-- Nothing here reads a reference date: an as-of build takes this table from the nightly (as_of.py).
{{ config(tags=['as_of_independent']) }}
with

indicators as (
    select * from {{ ref('indicators') }}
),

final as (
    select
        indicator_code,
        label_nl,
        unit,
        commitments,
        from_register,
        from_agreements,
        nullif(trim(derived_from), '') as derived_from,
        sort_order
    from indicators
)

select * from final
