"""The empty agreement workbook municipalities and corporations fill in (in Dutch).

    python -m pipelines.ingest.template OUT.xlsx [--corporaties data/raw/reference/corporaties.csv]

Sheets: `Afspraak` (veld | waarde, one row per field), `Prestaties` (header row), `Toelichting`
(every field and every indicator with its unit, in Dutch) and a hidden `Lijsten` holding the
values of the drop-down lists (status, indicator, corporation codes). Without a corporaties.csv the
corporation column gets an input hint instead of a list. The ingest reader accepts what this
template produces (`Toelichting` and `Lijsten` are not reported as extra sheets).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipelines.ingest.workbooks import STATUSES

# (veld, verplicht, uitleg, voorbeeld)
FIELDS: list[tuple[str, str, str, str]] = [
    ("gemeentecode", "ja", "CBS-code van de gemeente: GM gevolgd door vier cijfers.", "GM0363"),
    ("gemeentenaam", "nee", "Naam van de gemeente (ter controle van de code).", "Amsterdam"),
    (
        "status",
        "ja",
        "bod (bod van één corporatie), concept (ontwerp van de afspraken) of ondertekend "
        "(getekende prestatieafspraken). Alleen ondertekende afspraken tellen als toezegging.",
        "ondertekend",
    ),
    (
        "datum_ondertekening",
        "ja",
        "Datum van ondertekening, of van het bod of concept. Als datum of als JJJJ-MM-DD.",
        "2022-11-30",
    ),
    ("looptijd_van", "ja", "Eerste jaar waarop de afspraken betrekking hebben.", "2023"),
    ("looptijd_tot", "ja", "Laatste jaar waarop de afspraken betrekking hebben (niet vóór looptijd_van).", "2026"),
    (
        "versie",
        "ja",
        "Geheel getal. Een hogere versie vervangt een lagere versie van dezelfde gemeente; verhoog het "
        "nummer bij elke nieuwe versie.",
        "1",
    ),
    (
        "corporaties",
        "ja",
        "L-nummers (Autoriteit woningcorporaties) van de corporaties die partij zijn, gescheiden door "
        "komma's. Bij een bod: alleen de corporatie die het bod doet.",
        "L0123, L0456",
    ),
    (
        "huurdersorganisaties",
        "nee",
        "Namen van de huurdersorganisaties die partij zijn (vrije tekst).",
        "Huurdersvereniging Centrum",
    ),
]

# (indicator, eenheid, omschrijving, nationale afspraak)
INDICATORS: list[tuple[str, str, str, str]] = [
    ("nieuwbouw", "woningen", "Nieuw gebouwde huurwoningen die in het jaar worden opgeleverd.", "1, 2"),
    ("transformatie", "woningen", "Woningen gemaakt door transformatie van bestaande gebouwen (bijv. kantoren).", "3"),
    ("flexwoningen", "woningen", "Extra flexwoningen, bovenop eerdere afspraken met Aedes en VNG.", "4"),
    ("ouderenwoningen_geclusterd", "woningen", "Extra geclusterde woningen voor ouderen.", "5"),
    (
        "verbetering_efg",
        "woningen",
        "Woningen met energielabel E, F of G die worden verbeterd tot label D of beter.",
        "6",
    ),
    (
        "investering_duurzame_energie",
        "euro",
        "Extra investering in duurzame energie (warmtepompen, zonnepanelen) in woningen met label D of beter.",
        "8",
    ),
    ("warmtepompen", "woningen", "Woningen waar een gasketel wordt vervangen door een (hybride) warmtepomp.", "8"),
    ("zonnepanelen", "woningen", "Woningen die zonnepanelen krijgen.", "8"),
    (
        "herstel_conditie_56",
        "woningen",
        "Woningen in slechte of zeer slechte staat (conditiescore 5 of 6, NEN 2767) die worden hersteld.",
        "9",
    ),
    ("investering_schimmel", "euro", "Extra investering in de aanpak van schimmel en vocht.", "10"),
    ("investering_brandveiligheid", "euro", "Extra investering in brandveiligheid.", "10"),
    ("investering_loden_leidingen", "euro", "Extra investering in het vervangen van loden leidingen.", "10"),
    ("sloop", "woningen", "Woningen die worden gesloopt.", "netto voorraad"),
    ("verkoop", "woningen", "Woningen die worden verkocht.", "netto voorraad"),
]

COLUMNS: list[tuple[str, str]] = [
    ("corporatie", "L-nummer van de corporatie die de prestatie levert (een van de partijen op blad Afspraak)."),
    ("jaar", "Het jaar waarin de prestatie wordt geleverd, binnen de looptijd."),
    ("indicator", "Een van de indicatoren hieronder (keuzelijst)."),
    (
        "waarde",
        "Aantal woningen of bedrag in euro, zonder eenheid; een getal of Nederlandse notatie "
        "(1.250 of 2.500.000,00). Niet negatief.",
    ),
    ("toelichting", "Vrije tekst, bijvoorbeeld het project."),
]

MAX_ROWS = 2000


def read_corporation_codes(path: Path) -> list[tuple[str, str]]:
    """(code, naam) from a corporaties.csv, any separator or encoding, sorted by code."""
    from pipelines.ingest.csv_reader import pick_columns, read_csv_table

    table = read_csv_table(path.read_bytes(), path.name)
    mapping, _ = pick_columns(table, path.name, ["corporatie", "naam"], ["corporatie"])
    codes: dict[str, str] = {}
    for row in table.frame.iter_rows(named=True):
        code = (row[f"c{mapping['corporatie']}"] or "").strip().upper()
        name = (row[f"c{mapping['naam']}"] or "").strip() if "naam" in mapping else ""
        if code:
            codes.setdefault(code, name)
    return sorted(codes.items())


def write_template(path: Path | str, corporaties_csv: Path | str | None = None) -> Path:
    """Write the empty agreement workbook to `path` (overwritten) and return the path."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    corporations = read_corporation_codes(Path(corporaties_csv)) if corporaties_csv else []

    wb = xlsxwriter.Workbook(str(path))
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    title = wb.add_format({"bold": True, "font_size": 14})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    text_fmt = wb.add_format({"num_format": "@"})

    afspraak = wb.add_worksheet("Afspraak")
    prestaties = wb.add_worksheet("Prestaties")
    toelichting = wb.add_worksheet("Toelichting")
    lijsten = wb.add_worksheet("Lijsten")

    # Lijsten (hidden): the values behind the drop-down lists
    lijsten.write_row(0, 0, ["status", "indicator", "corporatie", "naam"], bold)
    lijsten.write_column(1, 0, list(STATUSES))
    lijsten.write_column(1, 1, [code for code, *_ in INDICATORS])
    for i, (code, name) in enumerate(corporations, start=1):
        lijsten.write_string(i, 2, code)
        lijsten.write_string(i, 3, name)
    lijsten.hide()

    # Afspraak: veld | waarde
    afspraak.write_row(0, 0, ["veld", "waarde"], bold)
    afspraak.set_column(0, 0, 24)
    afspraak.set_column(1, 1, 40)
    for row, (name, _required, explanation, _example) in enumerate(FIELDS, start=1):
        afspraak.write_string(row, 0, name)
        if name == "datum_ondertekening":
            afspraak.write_blank(row, 1, None, date_fmt)
        elif name in ("gemeentecode", "corporaties"):
            afspraak.write_blank(row, 1, None, text_fmt)
        prompt = explanation if len(explanation) <= 255 else explanation[:252] + "..."  # Excel's limit
        if name == "status":
            afspraak.data_validation(
                row, 1, row, 1,
                {"validate": "list", "source": f"=Lijsten!$A$2:$A${len(STATUSES) + 1}",
                 "input_title": "status", "input_message": prompt[:255],
                 "error_title": "Onbekende status", "error_message": "Kies bod, concept of ondertekend."},
            )
        elif name in ("looptijd_van", "looptijd_tot", "versie"):
            low, high = (1, 1000) if name == "versie" else (2000, 2100)
            afspraak.data_validation(
                row, 1, row, 1,
                {"validate": "integer", "criteria": "between", "minimum": low, "maximum": high,
                 "input_title": name, "input_message": prompt[:255],
                 "error_title": "Geen geheel getal", "error_message": f"Vul een geheel getal in ({low}-{high})."},
            )
        else:
            afspraak.data_validation(
                row, 1, row, 1, {"validate": "any", "input_title": name[:32], "input_message": prompt[:255]}
            )
    afspraak.freeze_panes(1, 0)

    # Prestaties: header row and drop-downs
    prestaties.write_row(0, 0, [name for name, _ in COLUMNS], bold)
    prestaties.set_column(0, 0, 14)
    prestaties.set_column(1, 1, 8)
    prestaties.set_column(2, 2, 30)
    prestaties.set_column(3, 3, 16)
    prestaties.set_column(4, 4, 50)
    if corporations:
        prestaties.data_validation(
            1, 0, MAX_ROWS, 0,
            {"validate": "list", "source": f"=Lijsten!$C$2:$C${len(corporations) + 1}",
             "error_type": "warning", "error_title": "Onbekende corporatie",
             "error_message": "Dit L-nummer staat niet in de lijst met corporaties."},
        )
    else:
        prestaties.data_validation(
            1, 0, MAX_ROWS, 0,
            {"validate": "any", "input_title": "corporatie",
             "input_message": "Vul het L-nummer van de corporatie in (L gevolgd door vier cijfers, bijv. L0123)."},
        )
    prestaties.data_validation(
        1, 1, MAX_ROWS, 1,
        {"validate": "integer", "criteria": "between", "minimum": 2000, "maximum": 2100,
         "error_title": "Geen jaar", "error_message": "Vul een jaartal in, bijv. 2024."},
    )
    prestaties.data_validation(
        1, 2, MAX_ROWS, 2,
        {"validate": "list", "source": f"=Lijsten!$B$2:$B${len(INDICATORS) + 1}",
         "error_title": "Onbekende indicator",
         "error_message": "Kies een indicator uit de lijst (zie blad Toelichting)."},
    )
    prestaties.data_validation(
        1, 3, MAX_ROWS, 3,
        {"validate": "decimal", "criteria": ">=", "value": 0, "error_type": "warning",
         "error_title": "Geen getal", "error_message": "Vul een getal van 0 of meer in (woningen of euro)."},
    )
    prestaties.freeze_panes(1, 0)

    # Toelichting
    toelichting.set_column(0, 0, 30)
    toelichting.set_column(1, 1, 12)
    toelichting.set_column(2, 2, 80)
    toelichting.set_column(3, 3, 22)
    r = 0
    toelichting.write(r, 0, "Sjabloon lokale prestatieafspraken", title)
    r += 1
    intro = (
        "Vul per gemeente en per versie één werkmap in. Blad Afspraak bevat de gegevens van de afspraak "
        "(één veld per rij), blad Prestaties de afgesproken prestaties: één rij per corporatie, jaar en "
        "indicator. Een bod van een corporatie en een concept gebruiken hetzelfde sjabloon. Getallen "
        "zonder eenheid; bedragen in euro. Laat geen totaalrij staan die meetelt; een rij 'Totaal' wordt "
        "genegeerd."
    )
    toelichting.merge_range(r, 0, r, 3, intro, wrap)
    toelichting.set_row(r, 75)
    r += 2
    toelichting.write(r, 0, "Blad Afspraak: velden", title)
    r += 1
    toelichting.write_row(r, 0, ["veld", "verplicht", "uitleg", "voorbeeld"], bold)
    for name, required, explanation, example in FIELDS:
        r += 1
        toelichting.write_row(r, 0, [name, required, explanation, example], wrap)
    r += 2
    toelichting.write(r, 0, "Blad Prestaties: kolommen", title)
    r += 1
    toelichting.write_row(r, 0, ["kolom", "", "uitleg"], bold)
    for name, explanation in COLUMNS:
        r += 1
        toelichting.write_row(r, 0, [name, "", explanation], wrap)
    r += 2
    toelichting.write(r, 0, "Indicatoren", title)
    r += 1
    toelichting.write_row(r, 0, ["indicator", "eenheid", "omschrijving", "nationale afspraak nr."], bold)
    for code, unit, description, commitment in INDICATORS:
        r += 1
        toelichting.write_row(r, 0, [code, unit, description, commitment], wrap)
    r += 2
    toelichting.write(r, 0, "Corporaties", title)
    r += 1
    if corporations:
        note = (
            f"De keuzelijst in kolom corporatie bevat de {len(corporations)} L-nummers uit corporaties.csv "
            "(verborgen blad Lijsten)."
        )
    else:
        note = (
            "Vul in kolom corporatie het L-nummer in van de Autoriteit woningcorporaties (L gevolgd door vier "
            "cijfers, bijv. L0123). Er is geen lijst met corporaties meegegeven."
        )
    toelichting.merge_range(r, 0, r, 3, note, wrap)
    toelichting.set_row(r, 30)
    r += 2
    toelichting.write(r, 0, "Controleren voor het insturen", title)
    r += 1
    check = (
        "Controleer de ingevulde werkmap voordat u hem instuurt, met dezelfde controles als de nachtelijke "
        "verwerking: npa validate werkmap.xlsx (of make validate FILE=werkmap.xlsx; in de Dagster-omgeving "
        "de job validate_files met het pad van het bestand). Elke bevinding wordt gemeld met code, tabblad, "
        "rij en kolom, in het Nederlands en het Engels. Een FOUT houdt de regel of het hele bestand buiten de "
        "cijfers: verbeter die eerst. Een WAARSCHUWING mag blijven staan. Controles die alle aangeleverde "
        "bestanden samen nodig hebben (bijvoorbeeld dubbele bestanden of de vergelijking met het "
        "woningregister) doet alleen de verwerking zelf."
    )
    toelichting.merge_range(r, 0, r, 3, check, wrap)
    toelichting.set_row(r, 90)
    wb.close()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the empty agreement workbook (Dutch template).")
    parser.add_argument("out", type=Path, help="where to write the .xlsx")
    parser.add_argument("--corporaties", type=Path, help="corporaties.csv with the corporation codes for the drop-down")
    args = parser.parse_args(argv)
    written = write_template(args.out, args.corporaties)
    print(f"template written: {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
