"""The housing-market regions of the generated country: `reference/woningmarktregios.csv`.

The real BZK/ABF regions are not in the reference data, so the generator writes its own, built on the
real COROP regions: mostly one region per COROP region or a few neighbouring ones, with the
cross-boundary regions that make the level differ from COROP (Amersfoort and Foodvalley cut
through COROP Utrecht and the Veluwe and cross the Utrecht-Gelderland border; Almere and Lelystad
belong to the Amsterdam region). Every municipality of the most recent set gets exactly one region,
so the level adds up to the nation with no `Onbekend`.
"""

from __future__ import annotations

from pathlib import Path

from .reference import Geography

# COROP code -> housing-market region
REGION_OF_COROP = {
    "CR01": "Groningen-Assen", "CR02": "Groningen-Assen", "CR03": "Groningen-Assen", "CR07": "Groningen-Assen",
    "CR04": "Friesland", "CR05": "Friesland", "CR06": "Friesland",
    "CR08": "Zuid-Drenthe", "CR09": "Zuid-Drenthe",
    "CR10": "Regio Zwolle", "CR11": "Regio Zwolle",
    "CR12": "Twente",
    "CR13": "Veluwe",
    "CR14": "Achterhoek",
    "CR15": "Arnhem-Nijmegen",
    "CR16": "Rivierenland",
    "CR17": "Utrecht",
    "CR18": "Noord-Holland Noord", "CR19": "Noord-Holland Noord",
    "CR20": "Metropoolregio Amsterdam", "CR21": "Metropoolregio Amsterdam", "CR22": "Metropoolregio Amsterdam",
    "CR23": "Metropoolregio Amsterdam", "CR24": "Metropoolregio Amsterdam",
    "CR25": "Holland Rijnland",
    "CR26": "Haaglanden", "CR27": "Haaglanden",
    "CR28": "Midden-Holland",
    "CR29": "Rotterdam",
    "CR30": "Zuid-Holland Zuid",
    "CR31": "Zeeland", "CR32": "Zeeland",
    "CR33": "West-Brabant",
    "CR34": "Hart van Brabant",
    "CR35": "Noordoost-Brabant",
    "CR36": "Metropoolregio Eindhoven",
    "CR37": "Noord-Limburg",
    "CR38": "Midden-Limburg",
    "CR39": "Zuid-Limburg",
    "CR40": "Flevoland",
}
# Municipalities (by name in the most recent set) in another region than their COROP region's
REGION_OF_MUNICIPALITY = {
    **dict.fromkeys(("Amersfoort", "Baarn", "Bunschoten", "Leusden", "Soest", "Woudenberg", "Nijkerk"),
                    "Amersfoort"),
    **dict.fromkeys(("Ede", "Wageningen", "Barneveld", "Scherpenzeel", "Renswoude", "Veenendaal", "Rhenen"),
                    "Foodvalley"),
    **dict.fromkeys(("Almere", "Lelystad"), "Metropoolregio Amsterdam"),
}
FALLBACK_REGION = "Overig"  # a COROP code the table above does not know (a new reference set)


def housing_market_regions(geo: Geography) -> list[tuple[str, str]]:
    """(municipality code, region) for every municipality of the most recent set, sorted by code."""
    corop_of_current: dict[str, str] = {}
    for loc in geo.locations:  # geo.corop is the COROP region of the location's current municipality
        corop_of_current.setdefault(geo.current[loc], geo.corop[loc])
    rows = []
    for code in geo.current_municipalities:
        region = REGION_OF_MUNICIPALITY.get(geo.names.get(code, "")) or \
            REGION_OF_COROP.get(corop_of_current.get(code, ""), FALLBACK_REGION)
        rows.append((code, region))
    return rows


def write_housing_market_regions(raw_dir: Path, geo: Geography) -> str:
    """Write `<raw_dir>/reference/woningmarktregios.csv` (raw-inputs.md: gemeentecode;woningmarktregio)."""
    folder = Path(raw_dir) / "reference"
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["gemeentecode;woningmarktregio"] + [f"{code};{region}" for code, region in housing_market_regions(geo)]
    # bytes, not text mode: the same file on every platform (no CRLF on Windows)
    (folder / "woningmarktregios.csv").write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return "reference/woningmarktregios.csv"
