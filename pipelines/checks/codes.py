"""The allowed values of the coded raw columns (spec: raw-inputs.md, marts.md)."""

from __future__ import annotations

ENERGY_LABELS = ("A++++", "A+++", "A++", "A+", "A", "B", "C", "D", "E", "F", "G")
CONDITION_SCORES = (1, 2, 3, 4, 5, 6)
DWELLING_TYPES = ("EGW", "MGW")
HEATING = ("gasketel", "warmtepomp", "hybride", "warmtenet", "elektrisch", "overig")
RENT_SEGMENTS = ("sociaal", "midden", "vrij")
YES_NO = ("ja", "nee")

#: indicators a workbook's Prestaties sheet may use
AGREEMENT_INDICATORS = (
    "nieuwbouw",
    "transformatie",
    "flexwoningen",
    "ouderenwoningen_geclusterd",
    "verbetering_efg",
    "investering_duurzame_energie",
    "warmtepompen",
    "zonnepanelen",
    "herstel_conditie_56",
    "investering_schimmel",
    "investering_brandveiligheid",
    "investering_loden_leidingen",
    "sloop",
    "verkoop",
)
#: indicators derived from the register only
REGISTER_ONLY_INDICATORS = ("toevoeging_bestaand", "uitstroom")
#: derived indicator (sum of the three maintenance investments)
DERIVED_INDICATORS = ("investering_onderhoud",)
#: every indicator the system knows: what a national target may refer to
KNOWN_INDICATORS = AGREEMENT_INDICATORS + REGISTER_ONLY_INDICATORS + DERIVED_INDICATORS

TARGET_KINDS = ("flow", "stock")

#: target codes shipped with the project (marts.md); an extra targets file may not redefine them
SHIPPED_TARGET_CODES = (
    "nieuwbouw_2026",
    "nieuwbouw_2027",
    "nieuwbouw_heffingskorting",
    "ouderenwoningen_50000",
    "label_efg_2028",
    "conditie_56_2026",
    "duurzame_energie_2025",
    "onderhoud_2022",
    "onderhoud_2023",
    "onderhoud_2024",
    "onderhoud_2025",
    "onderhoud_2026",
)

MAX_PLAUSIBLE_RENT = 5000.0
MIN_PLAUSIBLE_CONSTRUCTION_YEAR = 1800
