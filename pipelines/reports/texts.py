"""Fixed Dutch texts of the reports: titles, check descriptions, short labels."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class ReportSpec:
    name: str
    default_as_of: dt.date
    title: str
    subtitle: str
    regional: bool  # april-2023: every table per COROP region (and housing-market region) and province


REPORTS: dict[str, ReportSpec] = {
    "zomer-2022": ReportSpec(
        name="zomer-2022",
        default_as_of=dt.date(2022, 7, 1),
        title="Invulling van de nationale prestatieafspraken",
        subtitle="Eerste rapportage aan de Tweede Kamer, zomer 2022",
        regional=False,
    ),
    "april-2023": ReportSpec(
        name="april-2023",
        default_as_of=dt.date(2023, 4, 1),
        title="Invulling van de nationale prestatieafspraken",
        subtitle="Landelijk en regionaal totaal, rapportage van BZK en Aedes, 1 april 2023",
        regional=True,
    ),
}

# The checks of checks.md, in words a policy officer understands
CHECK_DESCRIPTIONS_NL: dict[str, str] = {
    "F1": "Bestand onleesbaar",
    "F2": "Verplichte kolommen, tabbladen of velden ontbreken of zijn ongeldig",
    "F3": "Bestandsnaam en inhoud spreken elkaar tegen",
    "F4": "Extra kolommen of tabbladen genegeerd",
    "F5": "Zelfde inhoud twee keer aangeleverd onder een andere naam",
    "R1": "Waarde niet te lezen voor het kolomtype",
    "R2": "Onbekende gemeentecode in het woningregister",
    "R3": "Gemeentecode van een opgeheven gemeente, toegerekend aan de opvolger",
    "R4": "Onbekende corporatie in het woningregister",
    "R5": "Codewaarde buiten de toegestane lijst",
    "R6": "Geen energielabel geregistreerd of geen conditiescore gemeten",
    "R7": "VHE-nummer niet uniek binnen de levering van een corporatie",
    "R8": "Zelfde woning (BAG-id) door twee corporaties gemeld",
    "R9": "Bouwjaar onwaarschijnlijk",
    "R10": "Kale huur negatief of boven EUR 5.000",
    "R11": "Energielabel of conditie sterk verslechterd tussen peildata",
    "R12": "Woningvoorraad van een corporatie meer dan 20% veranderd",
    "R13": "Corporatie zonder geaccepteerd register voor een van twee peildata",
    "A1": "Onbekende gemeentecode in een prestatieafspraak",
    "A2": "Gemeentecode van een opgeheven gemeente, toegerekend aan de opvolger",
    "A3": "Corporatie onbekend of geen partij bij de afspraak",
    "A4": "Onbekende indicator of ongeldige waarde",
    "A5": "Jaar buiten de looptijd van de afspraak",
    "A6": "Twee ondertekende versies met hetzelfde versienummer",
    "A7": "Toezegging in een gemeente waar de corporatie geen woningen bezit",
    "A8": "Toegezegde verbetering E/F/G groter dan het E/F/G-bezit",
    "A9": "Toegezegd herstel conditie 5/6 groter dan het bezit in conditie 5/6",
    "A10": "Gemeente met corporatiebezit zonder ondertekende afspraak",
    "A11": "Ondertekende afspraak lager dan het laatste bod",
    "A12": "Toezeggingen van een gefuseerde corporatie, geteld bij de opvolger",
    "A13": "Dubbele regel in een afspraak, opgeteld",
    "A14": "Gemeentenaam past niet bij de gemeentecode",
    "N1": "Lokale bijdragen tellen niet op tot een nationaal doel",
    "N2": "Voorraaddoel niet op koers in een gebied",
    "N3": "Gebiedsniveaus tellen niet op",
    "N4": "Woning aan geen of meer dan één gebied toegerekend",
    "T1": "Ongeldige regel in de nationale doelen",
}

SEVERITY_NL = {"error": "fout", "warning": "waarschuwing"}

# Short labels for indicators in chart axes and column headers
INDICATOR_SHORT_NL: dict[str, str] = {
    "nieuwbouw": "Nieuwbouw",
    "transformatie": "Transformatie",
    "flexwoningen": "Flexwoningen",
    "ouderenwoningen_geclusterd": "Geclusterde ouderenwoningen",
    "verbetering_efg": "Verbetering E/F/G",
    "investering_duurzame_energie": "Duurzame energie",
    "warmtepompen": "Warmtepompen",
    "zonnepanelen": "Zonnepanelen",
    "herstel_conditie_56": "Herstel conditie 5/6",
    "investering_schimmel": "Schimmel",
    "investering_brandveiligheid": "Brandveiligheid",
    "investering_loden_leidingen": "Loden leidingen",
    "investering_onderhoud": "Onderhoud",
    "sloop": "Sloop",
    "verkoop": "Verkoop",
    "toevoeging_bestaand": "Toevoeging bestaand",
    "uitstroom": "Uitstroom",
}

# What the stock targets count, for headings
STOCK_TARGET_NOUN_NL = {
    "verbetering_efg": "woningen met label E, F of G",
    "herstel_conditie_56": "woningen met conditie 5 of 6",
}
STOCK_TARGET_SHORT_NL = {
    "verbetering_efg": "E/F/G-woningen",
    "herstel_conditie_56": "Conditie 5/6",
}

RENT_COMPENSATION_NOTE = (
    "Woningen met label E, F of G zijn ook het aantal huurders met recht op compensatie via de huur "
    "zolang hun woning niet is verbeterd (afspraak 7)."
)

INTRO = (
    "Op 16 december 2021 sloten de minister van Binnenlandse Zaken en Koninkrijksrelaties en Aedes nationale "
    "prestatieafspraken. In ruil voor een structurele verlaging van de verhuurderheffing met {cut} per jaar, "
    "samen circa {capacity} extra investeringsruimte tot 2035, zeggen de woningcorporaties onder meer toe: "
    "28.000 nieuwe woningen per jaar in 2026 en 2027, vrijwel geen woningen met label E, F of G meer eind 2028 "
    "en geen woningen in slechte of zeer slechte staat na 2026. De afspraken worden lokaal uitgevoerd: "
    "corporaties, gemeenten en huurdersorganisaties leggen in lokale prestatieafspraken vast welk deel van de "
    "nationale opgave zij op zich nemen. Alle lokale bijdragen samen moeten optellen tot het nationale totaal."
)
