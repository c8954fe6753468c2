"""What each report says: the sections of reports.md, in order, built from the marts.

`build_document` reads the marts through `queries.Marts` and returns a `model.ReportDocument`:
paragraphs, tables (which become the sheets of cijfers.xlsx) and charts. Nothing here writes files.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from pipelines.reports import charts
from pipelines.reports import formatting as fmt
from pipelines.reports.model import Chart, Column, ItemList, Paragraph, ReportDocument, Section, Table
from pipelines.reports.queries import AREA_LEVEL_NL, AREA_LEVEL_PLURAL_NL, STOCK_COLUMN_OF_INDICATOR, Marts, Target
from pipelines.reports.texts import (
    CHECK_DESCRIPTIONS_NL,
    INDICATOR_SHORT_NL,
    INTRO,
    REPORTS,
    RENT_COMPENSATION_NOTE,
    SEVERITY_NL,
    STOCK_TARGET_NOUN_NL,
    STOCK_TARGET_SHORT_NL,
    ReportSpec,
)

LEVEL_HEADER_NL = {
    "province": "Provincie",
    "corop_region": "COROP-regio",
    "housing_market_region": "Woningmarktregio",
    "municipality": "Gemeente",
    "national": "Gebied",
}
LEVEL_SHORT_NL = {  # in sheet names (at most 31 characters)
    "province": "provincie",
    "corop_region": "COROP",
    "housing_market_region": "woningmarkt",
}
LEVEL_TITLE_NL = {
    "province": "per provincie",
    "corop_region": "per COROP-regio",
    "housing_market_region": "per woningmarktregio",
}
MAX_ERRORS_ON_FRONT = 10
EXAMPLES_PER_WARNING = 3


class Context:
    """Everything read once from the marts and shared by the sections."""

    def __init__(self, marts: Marts, spec: ReportSpec, as_of: dt.date):
        self.marts = marts
        self.spec = spec
        self.as_of = as_of
        self.as_of_text = fmt.fmt_date(as_of)
        self.indicators = marts.indicators()
        self.targets = sorted(marts.targets(), key=self._target_order)
        self.progress = marts.progress_national()
        self.snapshot = marts.latest_snapshot(as_of)
        self.snapshot_text = fmt.fmt_date(self.snapshot) if self.snapshot else None
        self.latest_year = self.snapshot.year if self.snapshot else None
        self.realisation = marts.realisation_period(as_of) if spec.regional else None
        self.findings = marts.findings()
        self.errors = [f for f in self.findings if f["severity"] == "error"]
        self.warnings = [f for f in self.findings if f["severity"] != "error"]
        levels = ["province"]
        if spec.regional:
            levels.append("corop_region")
            if marts.has_level("housing_market_region"):
                levels.append("housing_market_region")
        self.levels = levels
        self.stock_targets = [t for t in self.targets if t.kind == "stock"]
        self.target_source = "; ".join(sorted({t.source for t in self.targets if t.source})) or \
            "nationale prestatieafspraken, 16 december 2021"

    def _target_order(self, t: Target):
        """Targets in the order of the national commitments (mission.md) they serve."""
        first = ((self.indicators.get(t.indicator_code) or {}).get("commitments") or "").split(",")[0].strip()
        return (int(first) if first.isdigit() else 99, t.indicator_code, t.year_from or 0, t.year_to or 9999,
                t.target_code)

    # -- sources -----------------------------------------------------------------------------------
    def src_agreements(self, table: str) -> str:
        return f"lokale prestatieafspraken, ondertekend op of vóór {self.as_of_text} (marts.{table})"

    def src_register(self, table: str = "stock_by_area") -> str:
        when = self.snapshot_text or "geen"
        return f"woningregisters van de corporaties, peildatum {when} (marts.{table})"

    def src_targets(self) -> str:
        return f"nationale doelen: {self.target_source} (marts.national_targets)"


    # -- labels --------------------------------------------------------------------------------------
    def indicator_label(self, code: str) -> str:
        row = self.indicators.get(code)
        return (row or {}).get("label_nl") or INDICATOR_SHORT_NL.get(code) or code

    def indicator_unit(self, code: str) -> str:
        return (self.indicators.get(code) or {}).get("unit") or "woningen"

    def target_period(self, t: Target) -> str:
        if t.kind == "stock":
            return f"eind {t.year_to}" if t.year_to else fmt.fmt_period(t.year_from, t.year_to)
        return fmt.fmt_period(t.year_from, t.year_to)

    def target_short(self, t: Target) -> str:
        if t.kind == "stock":
            noun = STOCK_TARGET_SHORT_NL.get(t.indicator_code, INDICATOR_SHORT_NL.get(t.indicator_code, t.indicator_code))
            return f"{noun} {self.target_period(t)}"
        noun = INDICATOR_SHORT_NL.get(t.indicator_code) or self.indicator_label(t.indicator_code)
        return f"{noun} {self.target_period(t)}"

    def stock_start(self, t: Target, level: str = "national") -> dict[str, float]:
        """Stock counted by a stock target at the latest snapshot, per area code."""
        column = STOCK_COLUMN_OF_INDICATOR.get(t.indicator_code)
        if not column or not self.snapshot:
            return {}
        return {r["area_code"]: float(r[column] or 0) for r in self.marts.stock(level, self.snapshot)
                if r.get(column) is not None}


def src(*parts: str) -> str:
    """`Bron: a; b.`"""
    return "Bron: " + "; ".join(parts) + "."


# ----------------------------------------------------------------------------------------------------
def build_document(marts: Marts, report: str, as_of: dt.date, run_id: str, code_version: str) -> ReportDocument:
    spec = REPORTS[report]
    ctx = Context(marts, spec, as_of)
    sections = [
        summary_section(ctx),
        coverage_section(ctx),
        commitments_section(ctx),
        starting_point_section(ctx),
    ]
    if spec.regional:
        sections.append(realisation_section(ctx))
        sections.append(regional_trajectory_section(ctx))
    sections.append(quality_section(ctx))
    sections.append(findings_appendix(ctx))
    if spec.regional:
        sections.append(corporations_appendix(ctx))
    sections.append(accountability_appendix(ctx, run_id, code_version))

    doc = ReportDocument(
        report=report,
        title=spec.title,
        subtitle=spec.subtitle,
        as_of_text=ctx.as_of_text,
        sections=sections,
        front=front_page(ctx),
        concept=bool(ctx.errors),
        colophon=[
            ("Peildatum", ctx.as_of_text),
            ("Laatste woningregister", ctx.snapshot_text or "geen"),
            ("Run", run_id),
            ("Codeversie", code_version),
        ],
        extra_sheets=extra_sheets(ctx),
    )
    doc.number()
    return doc


# -- first page ----------------------------------------------------------------------------------------
def front_page(ctx: Context) -> list[Any]:
    blocks: list[Any] = []
    if ctx.errors:
        blocks.append(Paragraph(
            f"CONCEPT. Bij het maken van dit rapport raken {fmt.fmt_int(len(ctx.errors))} "
            f"{'fout' if len(ctx.errors) == 1 else 'fouten'} in de aangeleverde gegevens de cijfers. "
            "Het rapport is daarom een concept en niet geschikt om te versturen. De fouten staan hieronder "
            "en volledig in bijlage A.", kind="warning"))
        items = [f"{e['check_code']} – {CHECK_DESCRIPTIONS_NL.get(e['check_code'], e['check_code'])}: "
                 f"{_finding_text(e)}" for e in ctx.errors[:MAX_ERRORS_ON_FRONT]]
        if len(ctx.errors) > MAX_ERRORS_ON_FRONT:
            items.append(f"… en nog {fmt.fmt_int(len(ctx.errors) - MAX_ERRORS_ON_FRONT)} fouten (bijlage A).")
        blocks.append(ItemList(items, title="Fouten die de cijfers raken"))

    blocks.append(Paragraph(INTRO.format(cut=fmt.fmt_eur(500e6), capacity=fmt.fmt_eur(8.6e9)), kind="lead"))
    blocks.append(ItemList(key_figures(ctx), title="Kerncijfers"))
    return blocks


def _finding_text(f: dict[str, Any]) -> str:
    """`entity – detail (file)`, without repeating what is already said."""
    entity, detail, source = f.get("entity") or "", f.get("detail") or "", f.get("source_file") or ""
    if entity and detail.startswith(entity):
        entity = ""
    text = " – ".join(p for p in (entity, detail) if p)
    if source and source not in text:
        text += f" ({source})"
    return text


def key_figures(ctx: Context) -> list[str]:
    items = []
    national = ctx.marts.coverage_by_area("national", ctx.snapshot)
    if national:
        n = national[0]
        items.append(
            f"{fmt.fmt_int(n['n_signed'])} van de {fmt.fmt_int(n['n_with_stock'])} gemeenten met corporatiebezit "
            f"hebben een ondertekende prestatieafspraak; daar staat "
            f"{fmt.fmt_pct(_share(n['n_dwellings_signed'], n['n_dwellings']))} van de corporatiewoningen.")
    for t in ctx.targets:
        p = ctx.progress.get(t.target_code)
        if p is None or t.indicator_code != "nieuwbouw" or t.year_from != t.year_to:
            continue
        items.append(f"Toegezegde nieuwbouw in {t.year_to}: {fmt.fmt_int(p['committed_value'])} woningen, "
                     f"tegenover het nationale doel van {fmt.fmt_int(t.target_value)}.")
    for t in ctx.stock_targets:
        p = ctx.progress.get(t.target_code)
        start = ctx.stock_start(t).get("NL")
        if p is None or start is None:
            continue
        noun = STOCK_TARGET_NOUN_NL.get(t.indicator_code, ctx.indicator_label(t.indicator_code))
        projected = float(p["projected_value"]) if p["projected_value"] is not None else None
        if projected is not None and projected < 0:
            expected = f"geen ({fmt.fmt_int(-projected)} meer toegezegd dan nodig)"
        else:
            expected = fmt.fmt_int(projected)
        line = (f"{fmt.fmt_int(start)} {noun} op {ctx.snapshot_text}; na de toegezegde verbeteringen "
                f"verwacht eind {t.year_to}: {expected} "
                f"({'op koers' if p['on_track'] else 'niet op koers'}).")
        if t.indicator_code == "verbetering_efg":
            line += " Dat zijn ook de huurders met recht op huurcompensatie (afspraak 7)."
        items.append(line)
    if ctx.realisation:
        year = ctx.realisation[0]
        for r in ctx.marts.progress("national", year):
            if r["indicator_code"] == "nieuwbouw":
                items.append(f"Gerealiseerde nieuwbouw in {year} volgens het register: "
                             f"{fmt.fmt_int(r['realised_value'])} woningen (toegezegd: "
                             f"{fmt.fmt_int(r['committed_value'])}).")
    n_errors = fmt.fmt_int(len(ctx.errors)) if ctx.errors else "geen"
    items.append(f"Datakwaliteit: {n_errors} "
                 f"{'fout' if len(ctx.errors) == 1 else 'fouten'} en {fmt.fmt_int(len(ctx.warnings))} "
                 f"{'waarschuwing' if len(ctx.warnings) == 1 else 'waarschuwingen'} (hoofdstuk Datakwaliteit).")
    return items


# -- summary -------------------------------------------------------------------------------------------
def summary_section(ctx: Context) -> Section:
    """One page up front: per national target what is committed, the gap and whether it is on track."""
    s = Section("samenvatting", "Samenvatting", numbered=False)
    s.add(Paragraph(
        f"Per nationaal doel wat de lokale prestatieafspraken die op of vóór {ctx.as_of_text} zijn ondertekend "
        "samen toezeggen, het verschil met het doel en of het doel op koers is. Hoofdstuk 2 licht de cijfers toe; "
        "hoofdstuk 1 laat zien welk deel van de gemeenten en woningen de afspraken dekken."))
    rows = []
    for t in ctx.targets:
        p = ctx.progress.get(t.target_code, {})
        rows.append([ctx.target_short(t), t.unit, t.target_value, p.get("committed_value"), p.get("gap"),
                     p.get("on_track"), summary_sentence(ctx, t, p)])
    s.add(Table(
        key="samenvatting",
        sheet_title="Samenvatting",
        title="Samenvatting per nationaal doel",
        source=src(ctx.src_agreements("progress_national"), ctx.src_targets()),
        columns=[Column("Nationaal doel"), Column("Eenheid", html=False), Column("Doel", "unit", unit_column=1),
                 Column("Toegezegd", "unit", unit_column=1), Column("Verschil", "unit", unit_column=1),
                 Column("Op koers", "bool"), Column("Toelichting")],
        rows=rows,
        note="Verschil bij stroomdoelen: toegezegd min doel (negatief is een tekort). Bij voorraaddoelen "
             "(E/F/G-woningen, conditie 5/6): verwachte voorraad in het doeljaar min doel; toegezegd zijn daar de "
             "verbeteringen na het laatste woningregister.",
    ))
    return s


def summary_sentence(ctx: Context, t: Target, p: dict[str, Any]) -> str:
    """A short Dutch sentence on one target; its figures are those of the table row beside it."""
    if not p or p.get("committed_value") is None:
        return "Geen toezeggingen voor dit doel in de ondertekende afspraken."
    if t.kind == "stock":
        noun = STOCK_TARGET_NOUN_NL.get(t.indicator_code, ctx.indicator_label(t.indicator_code))
        if p.get("projected_value") is None:
            return "Zonder woningregister op of vóór de peildatum is de verwachte voorraad niet te bepalen."
        projected = float(p["projected_value"])
        if projected <= 0:
            return f"Eind {t.year_to} resteren naar verwachting geen {noun} meer: op koers."
        verdict = "op koers" if p.get("on_track") else "niet op koers"
        return f"Eind {t.year_to} resteren naar verwachting nog {fmt.fmt_int(projected)} {noun}: {verdict}."
    gap = float(p["gap"] or 0)
    amount = fmt.fmt_eur(abs(gap)) if t.unit == "euro" else f"{fmt.fmt_int(abs(gap))} woningen"
    share = f"De toezeggingen dekken {fmt.fmt_pct(_share(p['committed_value'], t.target_value))} van het doel"
    if gap >= 0:
        return f"{share}: het doel is gehaald." if gap == 0 else f"{share}: {amount} meer dan nodig."
    return f"{share}; er {'ontbreekt' if t.unit == 'euro' else 'ontbreken'} {amount}."


# -- 1 coverage ----------------------------------------------------------------------------------------
COVERAGE_COLUMNS = [
    Column("Gemeenten", "int"),
    Column("Met corporatiebezit", "int"),
    Column("Met ondertekende afspraak", "int"),
    Column("Aandeel gemeenten", "pct"),
    Column("Corporatiewoningen", "int"),
    Column("Woningen in gemeenten met afspraak", "int"),
    Column("Aandeel woningen", "pct"),
]


def _coverage_row(name: str, r: dict[str, Any]) -> list[Any]:
    return [name, r["n_municipalities"], r["n_with_stock"], r["n_signed"],
            _share(r["n_signed"], r["n_with_stock"]), r["n_dwellings"], r["n_dwellings_signed"],
            _share(r["n_dwellings_signed"], r["n_dwellings"])]


def coverage_section(ctx: Context) -> Section:
    s = Section("dekking", "Dekking van de lokale prestatieafspraken")
    national = ctx.marts.coverage_by_area("national", ctx.snapshot)
    nl = national[0] if national else None
    if nl:
        s.add(Paragraph(
            f"Op {ctx.as_of_text} hadden {fmt.fmt_int(nl['n_signed'])} van de {fmt.fmt_int(nl['n_with_stock'])} "
            f"gemeenten waar corporaties woningen bezitten een ondertekende prestatieafspraak "
            f"({fmt.fmt_pct(_share(nl['n_signed'], nl['n_with_stock']))}). In die gemeenten staan "
            f"{fmt.fmt_int(nl['n_dwellings_signed'])} van de {fmt.fmt_int(nl['n_dwellings'])} corporatiewoningen "
            f"({fmt.fmt_pct(_share(nl['n_dwellings_signed'], nl['n_dwellings']))}). Alleen ondertekende afspraken "
            "tellen mee; biedingen en concepten niet. Het woningbezit is dat van het laatste woningregister "
            f"({ctx.snapshot_text or 'geen register beschikbaar'})."))
    source = src(ctx.src_agreements('agreement_coverage'), ctx.src_register())
    for level in ctx.levels:
        rows = ctx.marts.coverage_by_area(level, ctx.snapshot)
        table_rows = [_coverage_row(r["area_name"], r) for r in rows]
        emphasis = set()
        if nl:
            table_rows.append(_coverage_row("Nederland", nl))
            emphasis.add(len(table_rows) - 1)
        s.add(Table(
            key=f"dekking_{level}",
            sheet_title=f"Dekking {LEVEL_SHORT_NL[level]}",
            title=f"Dekking van de prestatieafspraken {LEVEL_TITLE_NL[level]}",
            source=source,
            columns=[Column(LEVEL_HEADER_NL[level])] + COVERAGE_COLUMNS,
            rows=table_rows,
            emphasis=emphasis,
            note="Aandeel gemeenten: van de gemeenten met corporatiebezit. Aandeel woningen: van alle "
                 "corporatiewoningen in het gebied.",
        ))
        if level == "province":
            s.add(Chart(
                key="dekking_chart",
                title="Dekking van de prestatieafspraken per provincie",
                source=source,
                svg=charts.share_bars(
                    "Dekking per provincie",
                    [(r["area_name"], _share(r["n_dwellings_signed"], r["n_dwellings"]),
                      _share(r["n_signed"], r["n_with_stock"])) for r in rows]
                    + ([("Nederland", _share(nl["n_dwellings_signed"], nl["n_dwellings"]),
                         _share(nl["n_signed"], nl["n_with_stock"]))] if nl else []),
                    labels=("aandeel corporatiewoningen", "aandeel gemeenten met corporatiebezit")),
            ))
    missing = ctx.marts.rows(
        """select c.municipality_code, c.municipality_name, c.province_name, c.n_corporations_with_stock,
                  c.latest_status
           from marts.agreement_coverage c
           where not coalesce(c.has_signed_agreement, false) and coalesce(c.n_corporations_with_stock, 0) > 0
           order by c.province_name, c.municipality_name, c.municipality_code""")
    s.add(Table(
        key="dekking_zonder",
        sheet_title="Gemeenten zonder afspraak",
        title="Gemeenten met corporatiebezit zonder ondertekende prestatieafspraak",
        source=src(ctx.src_agreements("agreement_coverage")),
        columns=[Column("Gemeentecode"), Column("Gemeente"), Column("Provincie"),
                 Column("Corporaties met bezit", "int"), Column("Laatste status")],
        rows=[[r["municipality_code"], r["municipality_name"], r["province_name"], r["n_corporations_with_stock"],
               _status_nl(r["latest_status"])] for r in missing],
        empty_text="Alle gemeenten met corporatiebezit hebben een ondertekende prestatieafspraak.",
    ))
    return s


def _status_nl(status: str | None) -> str:
    return {"bod": "bod", "concept": "concept", "ondertekend": "ondertekend"}.get(status or "", "geen afspraak")


# -- 2 commitments -----------------------------------------------------------------------------------
def commitments_section(ctx: Context) -> Section:
    s = Section("toezeggingen", "Toezeggingen tegenover de nationale doelen")
    s.add(Paragraph(
        "Per nationaal doel staat hieronder wat de ondertekende lokale prestatieafspraken samen toezeggen, en het "
        "verschil met het doel. Voor stroomdoelen (zoals nieuwbouw) tellen de toezeggingen in de jaren van het doel. "
        "Voor voorraaddoelen (E/F/G-woningen en woningen met conditie 5/6) is de verwachte voorraad de voorraad "
        f"in het laatste woningregister ({ctx.snapshot_text or 'geen'}) min de toegezegde verbeteringen in de jaren "
        "daarna tot en met het doeljaar."))

    rows = []
    for t in ctx.targets:
        p = ctx.progress.get(t.target_code, {})
        rows.append([ctx.target_short(t), t.description_nl, t.target_code, t.unit, t.target_value,
                     p.get("committed_value"), p.get("realised_value"), p.get("projected_value"), p.get("gap"),
                     p.get("on_track")])
    s.add(Table(
        key="doelen",
        title="Toezeggingen per nationaal doel",
        sheet_title="Nationale doelen",
        source=src(ctx.src_agreements("progress_national"), ctx.src_targets()),
        columns=[Column("Nationaal doel"), Column("Omschrijving", html=False), Column("Code", html=False),
                 Column("Eenheid", html=False),
                 Column("Doel", "unit", unit_column=3), Column("Toegezegd", "unit", unit_column=3),
                 Column("Gerealiseerd", "unit", unit_column=3),
                 Column("Verwachte voorraad", "unit", unit_column=3), Column("Verschil", "unit", unit_column=3),
                 Column("Op koers", "bool")],
        rows=rows,
        note="Verschil bij stroomdoelen: toegezegd min doel (negatief is een tekort). Bij voorraaddoelen: "
             "verwachte voorraad min doel (positief is wat na de toezeggingen nog resteert). "
             "Gerealiseerd: volgens de woningregisters, alleen waar het register dat kan laten zien. "
             + RENT_COMPENSATION_NOTE,
    ))
    s.add(ItemList([f"{ctx.target_short(t)}: {t.description_nl}" for t in ctx.targets],
                   title="De nationale doelen"))

    # new builds per year against the single-year targets
    nb = [r for r in ctx.marts.commitments("national") if r["indicator_code"] == "nieuwbouw"]
    years = sorted({r["year"] for r in nb})
    per_year = {r["year"]: float(r["committed_value"] or 0) for r in nb}
    year_targets = {str(t.year_to): t.target_value for t in ctx.targets
                    if t.indicator_code == "nieuwbouw" and t.kind == "flow" and t.year_from == t.year_to
                    and t.year_to is not None}
    all_years = sorted(set(years) | {int(y) for y in year_targets})
    s.add(Chart(
        key="nieuwbouw_chart",
        title="Toegezegde nieuwbouw per jaar tegenover het nationale doel",
        source=src(ctx.src_agreements('commitments_by_area'), ctx.src_targets()),
        svg=charts.bar_chart("Toegezegde nieuwbouw per jaar", [str(y) for y in all_years],
                             [per_year.get(y, 0.0) for y in all_years], targets=year_targets,
                             target_label="doel", y_label="woningen"),
        note=("Nationaal doel: " + " en ".join(f"{fmt.fmt_int(v)} nieuwe corporatiewoningen in {y}"
                                               for y, v in sorted(year_targets.items())) + ".")
             if year_targets else None,
    ))

    items = []
    for t in ctx.targets:
        if t.indicator_code == "nieuwbouw" and t.year_from == t.year_to and t.kind == "flow":
            continue  # shown in the chart above
        p = ctx.progress.get(t.target_code)
        if p is None:
            continue
        committed = float(p["committed_value"] or 0)
        value = (lambda v: fmt.fmt_eur(v)) if t.unit == "euro" else (lambda v: fmt.fmt_int(v))
        if t.kind == "stock":
            required = float(p["projected_value"] or 0) + committed - float(t.target_value)
            share = committed / required if required > 0 else None
            note = (f"toegezegd {value(committed)} verbeteringen, nodig {value(max(required, 0))}"
                    if required > 0 else "geen opgave: de voorraad is al op of onder het doel")
        else:
            share = committed / float(t.target_value) if t.target_value else None
            note = f"toegezegd {value(committed)} van {value(t.target_value)}"
        items.append((ctx.target_short(t), share, note))
    s.add(Chart(
        key="doelen_chart",
        title="Toegezegde bijdragen als deel van de overige nationale doelen",
        source=src(ctx.src_agreements('progress_national'), ctx.src_targets()),
        svg=charts.attainment_chart("Toezeggingen als deel van de nationale doelen", items),
        note="Bij voorraaddoelen is de opgave de voorraad in het laatste woningregister min het doel. "
             "Balken boven 150% zijn afgekapt.",
    ))

    # per indicator and year, nationally
    national = ctx.marts.commitments("national")
    years = sorted({r["year"] for r in national})
    by_ind: dict[str, dict[int, float]] = defaultdict(dict)
    for r in national:
        by_ind[r["indicator_code"]][r["year"]] = float(r["committed_value"] or 0)
    for unit, title, kind in (("woningen", "Toezeggingen per indicator en jaar: woningen", "int"),
                              ("euro", "Toezeggingen per indicator en jaar: investeringen in mln EUR", "mln")):
        codes = [c for c in _indicator_order(ctx, by_ind) if (ctx.indicator_unit(c) == "euro") == (unit == "euro")]
        rows = [[ctx.indicator_label(c), _commitments_of(ctx, c)]
                + [by_ind[c].get(y) for y in years] + [sum(by_ind[c].values())] for c in codes]
        s.add(Table(
            key=f"indicator_jaar_{unit}",
            sheet_title=f"Toezeggingen {'investeringen' if unit == 'euro' else 'woningen'}",
            title=f"{title} (landelijk)",
            source=src(ctx.src_agreements("commitments_by_area")),
            columns=[Column("Indicator"), Column("Afspraak")]
                    + [Column(str(y), kind, unit_in_header=False) for y in years]
                    + [Column("Totaal", kind, unit_in_header=False)],
            rows=rows,
            note=("Onderhoud en verbetering is de som van schimmel, brandveiligheid en loden leidingen "
                  "(niet bij elkaar optellen)." if unit == "euro" else
                  "Afspraak: het nummer van de nationale afspraak waaraan de indicator bijdraagt."),
            wide=len(years) > 8,
        ))

    if ctx.spec.regional:
        s.add(Paragraph("Hierna de bijdrage aan elk nationaal doel per regio. De toezeggingen per indicator, jaar "
                        "en gebied (alle niveaus) staan volledig in cijfers.xlsx."))
        for level in ctx.levels:
            s.add(_contributions_table(ctx, level))
    return s


def _commitments_of(ctx: Context, code: str) -> str:
    return (ctx.indicators.get(code) or {}).get("commitments") or ""


def _indicator_order(ctx: Context, present: dict[str, Any]) -> list[str]:
    """Indicators in the order of the national commitments they serve, then by code."""
    def key(code: str):
        first = (_commitments_of(ctx, code).split(",")[0] or "").strip()
        return (int(first) if first.isdigit() else 99, code)
    return sorted(present, key=key)


def _target_columns(ctx: Context) -> list[Column]:
    return [Column(ctx.target_short(t), "mln" if t.unit == "euro" else "int") for t in ctx.targets]


def _contributions_table(ctx: Context, level: str) -> Table:
    contributions = ctx.marts.contributions_by_area(level, ctx.targets, ctx.latest_year)
    national = ctx.marts.contributions_by_area("national", ctx.targets, ctx.latest_year).get("NL", {})
    rows = []
    for code, name in ctx.marts.areas(level):
        values = contributions.get(code, {})
        rows.append([name] + [values.get(t.target_code, 0.0) for t in ctx.targets])
    rows.append(["Nederland"] + [national.get(t.target_code, 0.0) for t in ctx.targets])
    rows.append(["Nationale opgave"] + _requirements(ctx))
    return Table(
        key=f"bijdrage_{level}",
        sheet_title=f"Bijdrage doelen {LEVEL_SHORT_NL[level]}",
        title=f"Bijdrage aan de nationale doelen {LEVEL_TITLE_NL[level]}",
        source=src(ctx.src_agreements('commitments_by_area'), ctx.src_targets()),
        columns=[Column(LEVEL_HEADER_NL[level])] + _target_columns(ctx),
        rows=rows,
        emphasis={len(rows) - 2, len(rows) - 1},
        note="Per doel de toegezegde aantallen in de jaren van het doel; bij E/F/G en conditie 5/6 de "
             "toegezegde verbeteringen na het laatste woningregister tot en met het doeljaar. Nationale opgave: "
             "het doel; bij E/F/G en conditie 5/6 de voorraad in het laatste woningregister min het doel.",
        wide=True,
    )


def _requirements(ctx: Context) -> list[float | None]:
    """What each target asks: the target value; for a stock target the stock to remove to reach it."""
    out: list[float | None] = []
    for t in ctx.targets:
        if t.kind == "stock":
            start = ctx.stock_start(t).get("NL")
            out.append(None if start is None else max(start - float(t.target_value), 0.0))
        else:
            out.append(float(t.target_value))
    return out


# -- 3 starting point -----------------------------------------------------------------------------
STOCK_COLUMNS = [
    Column("Corporatiewoningen", "int"),
    Column("Label E/F/G (= huurders met recht op huurcompensatie)", "int"),
    Column("Aandeel E/F/G", "pct"),
    Column("Zonder energielabel", "int"),
    Column("Conditie 5/6", "int"),
]


def _stock_row(name: str, r: dict[str, Any]) -> list[Any]:
    return [name, r["n_dwellings"], r["n_label_efg"], r["share_label_efg"], r["n_label_missing"], r["n_condition_56"]]


def starting_point_section(ctx: Context) -> Section:
    s = Section("uitgangspositie", "Uitgangspositie: energielabels E, F en G en conditie 5 en 6")
    if not ctx.snapshot:
        s.add(Paragraph(f"Er is geen woningregister met een peildatum op of vóór {ctx.as_of_text}.", kind="warning"))
        return s
    nl_rows = ctx.marts.stock("national", ctx.snapshot)
    nl = nl_rows[0] if nl_rows else None
    if nl:
        s.add(Paragraph(
            f"Volgens het laatste woningregister (peildatum {ctx.snapshot_text}) hadden "
            f"{fmt.fmt_int(nl['n_label_efg'])} van de {fmt.fmt_int(nl['n_dwellings'])} corporatiewoningen een "
            f"energielabel E, F of G ({fmt.fmt_pct(nl['share_label_efg'])}). {RENT_COMPENSATION_NOTE} "
            f"{fmt.fmt_int(nl['n_condition_56'])} woningen hadden een slechte of zeer slechte onderhoudsconditie "
            f"(score 5 of 6 volgens NEN 2767). Bij {fmt.fmt_int(nl['n_label_missing'])} woningen is geen "
            "energielabel geregistreerd; die tellen niet als E, F of G."))
    for level in ctx.levels:
        rows = [_stock_row(r["area_name"], r) for r in ctx.marts.stock(level, ctx.snapshot)]
        emphasis = set()
        if nl:
            rows.append(_stock_row("Nederland", nl))
            emphasis.add(len(rows) - 1)
        s.add(Table(
            key=f"voorraad_{level}",
            sheet_title=f"EFG en conditie {LEVEL_SHORT_NL[level]}",
            title=f"Woningen met label E/F/G en conditie 5/6 {LEVEL_TITLE_NL[level]}, {ctx.snapshot_text}",
            source=src(ctx.src_register()),
            columns=[Column(LEVEL_HEADER_NL[level])] + STOCK_COLUMNS,
            rows=rows,
            emphasis=emphasis,
            note=RENT_COMPENSATION_NOTE,
        ))

    # national trajectories
    table_rows: dict[int, dict[str, float]] = defaultdict(dict)
    for t in ctx.stock_targets:
        start = ctx.stock_start(t).get("NL")
        points = ctx.marts.trajectory("national", t.target_code).get("NL", [])
        noun = STOCK_TARGET_NOUN_NL.get(t.indicator_code, ctx.indicator_label(t.indicator_code))
        note = f"Verwachte voorraad: voorraad op {ctx.snapshot_text} min de toegezegde verbeteringen per jaar."
        if t.indicator_code == "verbetering_efg":
            note += " " + RENT_COMPENSATION_NOTE
        s.add(Chart(
            key=f"verloop_{t.target_code}",
            title=f"Verloop van het aantal {noun} tot en met {t.year_to} (landelijk)",
            source=src(ctx.src_register('stock_trajectory'), ctx.src_agreements('stock_trajectory')),
            svg=charts.trajectory_chart(
                f"Verloop {noun}", (ctx.snapshot.year, start) if start is not None else None, points,
                target=float(t.target_value), start_label=f"register {ctx.snapshot_text}",
                target_label=f"doel: {fmt.fmt_int(t.target_value)}"),
            note=note,
        ))
        if start is not None:
            table_rows[ctx.snapshot.year][t.target_code] = start
        for year, value in points:
            table_rows[year][t.target_code] = value
    if table_rows:
        s.add(Table(
            key="verloop_landelijk",
            sheet_title="Verloop landelijk",
            title="Verwachte voorraad per jaar (landelijk)",
            source=src(ctx.src_register('stock_trajectory'), ctx.src_agreements('stock_trajectory')),
            columns=[Column("Jaar (eind)", "year")] + [
                Column(STOCK_TARGET_SHORT_NL.get(t.indicator_code, t.target_code) +
                       (" (= huurders met recht op huurcompensatie)" if t.indicator_code == "verbetering_efg" else ""),
                       "int") for t in ctx.stock_targets],
            rows=[[year] + [table_rows[year].get(t.target_code) for t in ctx.stock_targets]
                  for year in sorted(table_rows)],
            note=f"{ctx.snapshot.year}: stand in het woningregister; daarna verwacht na toegezegde verbeteringen. "
                 "Een negatieve waarde betekent dat er meer is toegezegd dan nodig.",
        ))
    return s


# -- 4 realisation (april-2023) -----------------------------------------------------------------------
def realisation_section(ctx: Context) -> Section:
    if not ctx.realisation:
        s = Section("realisatie", "Realisatie in het afgelopen jaar tegenover de toezeggingen")
        s.add(Paragraph("Er zijn nog geen twee opeenvolgende woningregisters op of vóór de peildatum; "
                        "de realisatie is nog niet te bepalen.", kind="warning"))
        return s
    year, from_snap, to_snap = ctx.realisation
    s = Section("realisatie", f"Realisatie in {year} tegenover de toezeggingen voor {year}")
    s.add(Paragraph(
        f"Wat in {year} is gerealiseerd, volgt uit de vergelijking van de woningregisters van {fmt.fmt_date(from_snap)} "
        f"en {fmt.fmt_date(to_snap)}: per woning wat er tussen die peildata veranderde (nieuw gebouwd, label "
        "verbeterd van E/F/G naar D of beter, conditie hersteld van 5/6 naar 1 tot 4, enzovoort). Daartegenover "
        f"staat wat de ondertekende afspraken voor {year} toezeggen. Investeringen in euro's en transformatie, "
        "sloop en verkoop zijn niet uit het register af te leiden."))
    source = src(ctx.src_agreements("progress_by_area"),
                 f"woningregisters van {fmt.fmt_date(from_snap)} en {fmt.fmt_date(to_snap)} (marts.realisation_by_area)")
    rows = ctx.marts.progress("national", year)
    ordered = _indicator_order(ctx, {r["indicator_code"]: r for r in rows})
    by_code = {r["indicator_code"]: r for r in rows}
    s.add(Table(
        key="realisatie_landelijk",
        sheet_title="Realisatie landelijk",
        title=f"Toegezegd en gerealiseerd in {year} per indicator (landelijk)",
        source=source,
        columns=[Column("Indicator"), Column("Eenheid"), Column(f"Toegezegd {year}", "unit", unit_column=1),
                 Column(f"Gerealiseerd {year}", "unit", unit_column=1), Column("Realisatie", "pct")],
        rows=[[ctx.indicator_label(c), ctx.indicator_unit(c), by_code[c]["committed_value"],
               by_code[c]["realised_value"], by_code[c]["realisation_share"]] for c in ordered],
        note="Realisatie: gerealiseerd als deel van toegezegd. – : niet toegezegd of niet uit het register af te leiden.",
    ))
    chart_rows = [(INDICATOR_SHORT_NL.get(c, ctx.indicator_label(c)), by_code[c]["committed_value"],
                   by_code[c]["realised_value"]) for c in ordered
                  if ctx.indicator_unit(c) != "euro" and by_code[c]["realised_value"] is not None
                  and by_code[c]["committed_value"] is not None]
    s.add(Chart(
        key="realisatie_chart",
        title=f"Toegezegd en gerealiseerd in {year} (landelijk, woningen)",
        source=source,
        svg=charts.paired_bars(f"Toegezegd en gerealiseerd in {year}", chart_rows,
                               labels=(f"toegezegd voor {year}", f"gerealiseerd in {year} (register)")),
    ))
    key_codes = _key_realisation_indicators(ctx)
    for level in ctx.levels:
        data = ctx.marts.progress(level, year)
        per_area: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for r in data:
            per_area[r["area_code"]][r["indicator_code"]] = r
        table_rows = []
        for code, name in ctx.marts.areas(level):
            row: list[Any] = [name]
            for c in key_codes:
                r = per_area.get(code, {}).get(c, {})
                row += [r.get("committed_value"), r.get("realised_value"), r.get("realisation_share")]
            table_rows.append(row)
        nl_row: list[Any] = ["Nederland"]
        for c in key_codes:
            r = by_code.get(c, {})
            nl_row += [r.get("committed_value"), r.get("realised_value"), r.get("realisation_share")]
        table_rows.append(nl_row)
        columns = [Column(LEVEL_HEADER_NL[level])]
        for c in key_codes:
            short = INDICATOR_SHORT_NL.get(c, ctx.indicator_label(c))
            columns += [Column(f"{short}: toegezegd", "int"), Column(f"{short}: gerealiseerd", "int"),
                        Column(f"{short}: realisatie", "pct")]
        s.add(Table(
            key=f"realisatie_{level}",
            sheet_title=f"Realisatie {LEVEL_SHORT_NL[level]}",
            title=f"Toegezegd en gerealiseerd in {year} {LEVEL_TITLE_NL[level]}",
            source=source,
            columns=columns,
            rows=table_rows,
            emphasis={len(table_rows) - 1},
            note="Alle indicatoren per gebied staan in cijfers.xlsx.",
            wide=True,
        ))
    return s


def _key_realisation_indicators(ctx: Context) -> list[str]:
    """Indicators with a national target that the register can show: the columns of the regional tables."""
    codes = []
    for t in ctx.targets:
        row = ctx.indicators.get(t.indicator_code) or {}
        if row.get("from_register") and t.indicator_code not in codes:
            codes.append(t.indicator_code)
    return codes


# -- 5 regional trajectories (april-2023) --------------------------------------------------------------
def regional_trajectory_section(ctx: Context) -> Section:
    s = Section("verloop_regio", "Verloop van E/F/G-woningen en conditie 5/6 per regio")
    if not ctx.snapshot or not ctx.stock_targets:
        s.add(Paragraph("Geen woningregister of voorraaddoelen beschikbaar.", kind="warning"))
        return s
    s.add(Paragraph(
        f"Per regio de voorraad in het laatste woningregister ({ctx.snapshot_text}) en de verwachte voorraad per jaar "
        "na de toegezegde verbeteringen. Een regio is niet op koers als de verwachte voorraad in het doeljaar boven "
        f"het nationale doel ligt. {RENT_COMPENSATION_NOTE}"))

    # which regions are not on track
    off_track_lines = []
    results: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
    for level in ctx.levels:
        results[level] = {}
        for t in ctx.stock_targets:
            starts = ctx.stock_start(t, level)
            paths = ctx.marts.trajectory(level, t.target_code)
            per_area = {}
            for code, name in ctx.marts.areas(level):
                points = paths.get(code, [])
                start = starts.get(code)
                end = points[-1][1] if points else start
                per_area[code] = {"name": name, "start": start, "points": points, "end": end,
                                  "committed": (start - end) if (start is not None and end is not None) else None,
                                  "on_track": None if end is None else end <= float(t.target_value)}
            results[level][t.target_code] = per_area
            off = [v["name"] for v in per_area.values() if v["on_track"] is False]
            what = f"{STOCK_TARGET_SHORT_NL.get(t.indicator_code, t.target_code)} {ctx.target_period(t)}"
            plural = AREA_LEVEL_PLURAL_NL[level]
            if off:
                off_track_lines.append(f"{what}: {len(off)} van de {len(per_area)} {plural} niet op koers: "
                                       f"{', '.join(off)}.")
            else:
                off_track_lines.append(f"{what}: alle {len(per_area)} {plural} op koers.")
    s.add(ItemList(off_track_lines, title="Regio's die niet op koers zijn"))

    chart_level = "corop_region"
    for t in ctx.stock_targets:
        noun = STOCK_TARGET_NOUN_NL.get(t.indicator_code, ctx.indicator_label(t.indicator_code))
        per_area = results[chart_level][t.target_code]
        panels = [(v["name"], (ctx.snapshot.year, v["start"]) if v["start"] is not None else None, v["points"])
                  for v in per_area.values()]
        note = "Elke regio op eigen schaal; links de stand in het register, rechts de verwachte stand in het doeljaar."
        if t.indicator_code == "verbetering_efg":
            note += " " + RENT_COMPENSATION_NOTE
        s.add(Chart(
            key=f"verloop_regio_{t.target_code}",
            title=f"Verloop van het aantal {noun} tot en met {t.year_to} per COROP-regio",
            source=src(ctx.src_register('stock_trajectory'), ctx.src_agreements('stock_trajectory')),
            svg=charts.small_multiples(f"Verloop {noun} per COROP-regio", panels, target=float(t.target_value)),
            note=note,
        ))

    for level in ctx.levels:
        columns = [Column(LEVEL_HEADER_NL[level])]
        for t in ctx.stock_targets:
            short = STOCK_TARGET_SHORT_NL.get(t.indicator_code, t.target_code)
            columns += [Column(f"{short}: {ctx.snapshot_text}", "int"),
                        Column(f"{short}: toegezegd t/m {t.year_to}", "int"),
                        Column(f"{short}: verwacht eind {t.year_to}", "int"),
                        Column(f"{short}: op koers", "bool")]
        rows = []
        codes = [c for c, _ in ctx.marts.areas(level)]
        for code in codes:
            first = results[level][ctx.stock_targets[0].target_code][code]
            row: list[Any] = [first["name"]]
            for t in ctx.stock_targets:
                v = results[level][t.target_code][code]
                row += [v["start"], v["committed"], v["end"], v["on_track"]]
            rows.append(row)
        nl_row: list[Any] = ["Nederland"]
        for t in ctx.stock_targets:
            p = ctx.progress.get(t.target_code, {})
            start = ctx.stock_start(t).get("NL")
            nl_row += [start, p.get("committed_value"), p.get("projected_value"), p.get("on_track")]
        rows.append(nl_row)
        s.add(Table(
            key=f"verloop_{level}",
            sheet_title=f"Verloop {LEVEL_SHORT_NL[level]}",
            title=f"Verwachte voorraad E/F/G en conditie 5/6 {LEVEL_TITLE_NL[level]}",
            source=src(ctx.src_register('stock_trajectory'), ctx.src_agreements('stock_trajectory')),
            columns=columns,
            rows=rows,
            emphasis={len(rows) - 1},
            note="E/F/G: ook het aantal huurders met recht op huurcompensatie (afspraak 7). Het verloop per jaar "
                 "staat in cijfers.xlsx.",
            wide=True,
        ))
    return s


# -- data quality ---------------------------------------------------------------------------------------
def quality_section(ctx: Context) -> Section:
    s = Section("datakwaliteit", "Datakwaliteit")
    if ctx.errors:
        s.add(Paragraph(
            f"De controles vonden {fmt.fmt_int(len(ctx.errors))} "
            f"{'fout' if len(ctx.errors) == 1 else 'fouten'} die de cijfers van dit rapport raken. Bestanden en "
            "regels met een fout zijn niet meegeteld; het rapport is daarom een CONCEPT tot de aanleveraars de "
            "fouten hebben hersteld.", kind="warning"))
    else:
        s.add(Paragraph("De controles vonden geen fouten die de cijfers raken.", kind="callout"))
    s.add(Paragraph(
        f"Daarnaast zijn er {fmt.fmt_int(len(ctx.warnings))} waarschuwingen: de gegevens zijn gebruikt, maar "
        "verdienen aandacht. Een waarschuwing kan meerdere regels van één bestand omvatten. Bijlage A geeft elke "
        "fout en per soort waarschuwing het aantal met voorbeelden; de volledige lijst staat in cijfers.xlsx."))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for f in ctx.findings:
        counts[(f["severity"], f["check_code"])] += 1
    rows = [[code, CHECK_DESCRIPTIONS_NL.get(code, ""), SEVERITY_NL.get(sev, sev), n]
            for (sev, code), n in sorted(counts.items(), key=lambda kv: (kv[0][0] != "error", _check_key(kv[0][1])))]
    s.add(Table(
        key="bevindingen_samenvatting",
        sheet_title="Bevindingen per soort",
        title="Bevindingen van de controles per soort",
        source=src("controles op de aangeleverde bestanden en de marts (marts.dq_findings)"),
        columns=[Column("Code"), Column("Controle"), Column("Ernst"), Column("Aantal meldingen", "int")],
        rows=rows,
        empty_text="Geen bevindingen.",
    ))
    return s


def _check_key(code: str) -> tuple[str, int]:
    letters = "".join(ch for ch in code if ch.isalpha())
    digits = "".join(ch for ch in code if ch.isdigit())
    order = {"F": 0, "T": 1, "R": 2, "A": 3, "N": 4}
    return (f"{order.get(letters, 9)}{letters}", int(digits) if digits else 0)


def findings_appendix(ctx: Context) -> Section:
    s = Section("bijlage_bevindingen", "Bevindingen datakwaliteit", appendix=True)
    source = src("controles op de aangeleverde bestanden en de marts (marts.dq_findings)")
    s.add(Table(
        key="fouten",
        sheet_title="Alle fouten",
        title="Alle fouten",
        source=source,
        columns=[Column("Code"), Column("Controle"), Column("Betreft"), Column("Toelichting"), Column("Bestand")],
        rows=[[e["check_code"], CHECK_DESCRIPTIONS_NL.get(e["check_code"], ""), e["entity"], e["detail"],
               e["source_file"]] for e in ctx.errors],
        empty_text="Geen fouten.",
    ))
    by_check: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for w in ctx.warnings:
        by_check[w["check_code"]].append(w)
    rows = []
    for code in sorted(by_check, key=_check_key):
        found = by_check[code]
        examples = "\n".join(
            _finding_text(w)
            for w in found[:EXAMPLES_PER_WARNING])
        rows.append([code, CHECK_DESCRIPTIONS_NL.get(code, ""), len(found), examples])
    s.add(Table(
        key="waarschuwingen",
        sheet_title="Waarschuwingen",
        title="Waarschuwingen per controle, met voorbeelden",
        source=source,
        columns=[Column("Code"), Column("Controle"), Column("Aantal", "int"), Column("Voorbeelden")],
        rows=rows,
        note=f"Per controle ten hoogste {EXAMPLES_PER_WARNING} voorbeelden; de volledige lijst staat in cijfers.xlsx "
             "(blad ‘{sheet:alle_bevindingen}’).",
        empty_text="Geen waarschuwingen.",
    ))
    return s


# -- corporations (april-2023) --------------------------------------------------------------------------
def corporations_appendix(ctx: Context) -> Section:
    s = Section("bijlage_corporaties", "Bijdragen per corporatie", appendix=True, wide=True)
    s.add(Paragraph(
        "Per corporatie wat zij in de ondertekende lokale prestatieafspraken toezegt, per nationaal doel, opgeteld "
        "over alle gemeenten. Toezeggingen van een corporatie die is opgegaan in een andere tellen bij de "
        "opvolger. Samen tellen de bijdragen op tot de landelijke toezeggingen."))
    corps = ctx.marts.contributions_by_corporation(ctx.targets, ctx.latest_year)
    rows = []
    for c in corps:
        name = c["corporation_name"]
        if c["merged_into"]:
            name += f" (opgegaan in {c['merged_into']})"
        rows.append([name, c["corporation_id"], c["n_municipalities"]]
                    + [c["values"].get(t.target_code, 0.0) for t in ctx.targets])
    totals = ["Totaal", "", None] + [
        sum(c["values"].get(t.target_code, 0.0) for c in corps) for t in ctx.targets]
    rows.append(totals)
    rows.append(["Nationale opgave", "", None] + _requirements(ctx))
    s.add(Table(
        key="corporaties",
        sheet_title="Bijdragen per corporatie",
        title="Bijdragen per corporatie aan de nationale doelen",
        source=src(ctx.src_agreements("fct_commitments"), "corporaties: marts.dim_corporation"),
        columns=[Column("Corporatie"), Column("Nummer"), Column("Gemeenten", "int")] + _target_columns(ctx),
        rows=rows,
        emphasis={len(rows) - 2, len(rows) - 1},
        note="Gemeenten: aantal gemeenten waarin de corporatie iets toezegt. Bij E/F/G en conditie 5/6 de "
             "toegezegde verbeteringen na het laatste woningregister tot en met het doeljaar; de nationale opgave "
             "is daar de voorraad in het laatste woningregister min het doel.",
        wide=True,
    ))
    return s


# -- accountability ----------------------------------------------------------------------------------------
def accountability_appendix(ctx: Context, run_id: str, code_version: str) -> Section:
    s = Section("bijlage_verantwoording", "Verantwoording", appendix=True)
    s.add(Paragraph(
        f"Peildatum {ctx.as_of_text}: alleen lokale prestatieafspraken die op of vóór die datum zijn ondertekend, "
        "en alleen woningregisters met een peildatum op of vóór die datum, zijn gebruikt. Per gemeente telt de "
        "ondertekende afspraak met het hoogste versienummer; biedingen en concepten tellen niet mee. "
        "Dezelfde invoer en peildatum geven altijd dezelfde cijfers."))
    s.add(Paragraph(
        "Cijfers zijn per gemeente in de meest recente gemeentelijke indeling en tellen exact op naar COROP-regio, "
        "provincie en Nederland. Opgeheven gemeenten zijn toegerekend aan hun opvolger en gefuseerde corporaties "
        "aan de corporatie waarin zij zijn opgegaan."))
    s.add(ItemList([
        "Lokale prestatieafspraken: de ingevulde landelijke sjablonen (Excel), per gemeente en versie.",
        "Woningregisters: per corporatie per peildatum, één regel per verhuureenheid.",
        f"Nationale doelen: {ctx.target_source}.",
        "Gemeentelijke indeling, herindelingen en COROP-regio's: CBS.",
        f"Run: {run_id}; codeversie: {code_version}. De bestanden en hun sha256-controlegetallen staan in "
        "manifest.json naast dit rapport.",
    ], title="Bronnen"))
    return s


# -- sheets only in cijfers.xlsx -----------------------------------------------------------------------------
def extra_sheets(ctx: Context) -> list[Table]:
    sheets = [Table(
        key="alle_bevindingen",
        sheet_title="Alle bevindingen",
        title="Alle bevindingen",
        source=src("controles op de aangeleverde bestanden en de marts (marts.dq_findings), volledige lijst"),
        columns=[Column("Code"), Column("Ernst"), Column("Controle"), Column("Betreft"), Column("Toelichting"),
                 Column("Bestand"), Column("Controlegroep")],
        rows=[[f["check_code"], SEVERITY_NL.get(f["severity"], f["severity"]),
               CHECK_DESCRIPTIONS_NL.get(f["check_code"], ""), f["entity"], f["detail"], f["source_file"], f["suite"]]
              for f in ctx.findings],
    )]
    if ctx.spec.regional:
        level_order = ["national", "province", "corop_region", "housing_market_region", "municipality"]
        long_rows = []
        for level in level_order:
            if level == "housing_market_region" and "housing_market_region" not in ctx.levels:
                continue
            for r in ctx.marts.commitments(level):
                long_rows.append([AREA_LEVEL_NL[level], r["area_code"], r["area_name"], r["year"],
                                  ctx.indicator_label(r["indicator_code"]), ctx.indicator_unit(r["indicator_code"]),
                                  r["committed_value"], r["n_municipalities"], r["n_corporations"]])
        sheets.append(Table(
            key="toezeggingen_gebied",
            sheet_title="Toezeggingen per gebied",
            title="Toezeggingen per gebied, jaar en indicator",
            source=src(ctx.src_agreements("commitments_by_area")),
            columns=[Column("Niveau"), Column("Gebiedscode"), Column("Gebied"), Column("Jaar", "year"),
                     Column("Indicator"), Column("Eenheid"), Column("Toegezegd", "unit", unit_column=5),
                     Column("Gemeenten", "int"), Column("Corporaties", "int")],
            rows=long_rows,
        ))
        if ctx.realisation:
            year = ctx.realisation[0]
            sheets.append(Table(
                key="realisatie_gebied",
                sheet_title="Realisatie per gebied",
                title=f"Realisatie {year} per gebied en indicator",
                source=src(ctx.src_agreements("progress_by_area")),
                columns=[Column("Niveau"), Column("Gebiedscode"), Column("Gebied"), Column("Indicator"),
                         Column("Eenheid"), Column("Toegezegd", "unit", unit_column=4),
                         Column("Gerealiseerd", "unit", unit_column=4), Column("Realisatie", "pct")],
                rows=[[AREA_LEVEL_NL.get(r["area_level"], r["area_level"]), r["area_code"], r["area_name"],
                       ctx.indicator_label(r["indicator_code"]), ctx.indicator_unit(r["indicator_code"]),
                       r["committed_value"], r["realised_value"], r["realisation_share"]]
                      for r in ctx.marts.realisation_long(year)
                      if r["area_level"] != "housing_market_region" or "housing_market_region" in ctx.levels],
            ))
        traj_rows = []
        for level in level_order[:-1]:
            if level not in ctx.levels and level != "national":
                continue
            for t in ctx.stock_targets:
                names = dict(ctx.marts.areas(level))
                for code, points in ctx.marts.trajectory(level, t.target_code).items():
                    for year, value in points:
                        traj_rows.append([AREA_LEVEL_NL[level], code, names.get(code, code), t.description_nl,
                                          year, value])
        sheets.append(Table(
            key="verloop_gebied",
            sheet_title="Verloop per gebied",
            title="Verwachte voorraad per gebied en jaar",
            source=src(ctx.src_register("stock_trajectory"), ctx.src_agreements("stock_trajectory")),
            columns=[Column("Niveau"), Column("Gebiedscode"), Column("Gebied"), Column("Doel"), Column("Jaar", "year"),
                     Column("Verwachte voorraad", "int")],
            rows=traj_rows,
        ))
    return sheets


def _share(part, whole) -> float | None:
    if part is None or not whole:
        return None
    return float(part) / float(whole)
