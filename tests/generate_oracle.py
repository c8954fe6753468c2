"""An independent reading of the generated raw files, following shared/spec/raw-inputs.md and
checks.md literally, used by tests/test_generate.py to hold the generator to the spec.

It does not import the generator: CSV is read with the `csv` module (encoding and separator
detected, decimal comma), Parquet with pyarrow, workbooks with openpyxl. `find_findings` returns
the findings a faithful implementation of the checks would raise, as (code, file, row, entity).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

REGISTER_REQUIRED = ["peildatum", "corporatie", "vhe_nummer", "bag_vbo_id", "gemeentecode", "woningtype",
                     "bouwjaar", "energielabel", "conditiescore", "verwarming", "zonnepanelen",
                     "geclusterd_ouderen", "flexwoning", "huursegment", "kale_huur"]
REGISTER_ALL = REGISTER_REQUIRED[:5] + ["postcode"] + REGISTER_REQUIRED[5:]
LABELS = ["A++++", "A+++", "A++", "A+", "A", "B", "C", "D", "E", "F", "G"]
GOOD = set(LABELS[:8])
EFG = {"E", "F", "G"}
SETS = {
    "woningtype": {"EGW", "MGW"}, "verwarming": {"gasketel", "warmtepomp", "hybride", "warmtenet", "elektrisch", "overig"},
    "zonnepanelen": {"ja", "nee"}, "geclusterd_ouderen": {"ja", "nee"}, "flexwoning": {"ja", "nee"},
    "huursegment": {"sociaal", "midden", "vrij"},
}
UPPER = {"woningtype", "energielabel", "corporatie", "gemeentecode"}
INDICATORS = {"nieuwbouw", "transformatie", "flexwoningen", "ouderenwoningen_geclusterd", "verbetering_efg",
              "investering_duurzame_energie", "warmtepompen", "zonnepanelen", "herstel_conditie_56",
              "investering_schimmel", "investering_brandveiligheid", "investering_loden_leidingen", "sloop", "verkoop"}
FIELDS = ["gemeentecode", "gemeentenaam", "status", "datum_ondertekening", "looptijd_van", "looptijd_tot",
          "versie", "corporaties", "huurdersorganisaties"]
TARGET_INDICATORS = INDICATORS | {"investering_onderhoud"}
SHIPPED_TARGETS = {"nieuwbouw_2026", "nieuwbouw_2027", "nieuwbouw_heffingskorting", "ouderenwoningen_50000",
                   "label_efg_2028", "conditie_56_2026", "duurzame_energie_2025", "onderhoud_2022",
                   "onderhoud_2023", "onderhoud_2024", "onderhoud_2025", "onderhoud_2026"}
EXCEL_EPOCH = dt.date(1899, 12, 30)


# -- low-level parsing ------------------------------------------------------------------------------
def decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-bom"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "cp1252"


def read_csv_file(path: Path) -> tuple[list[str], list[list[str]], dict]:
    text, enc = decode(path.read_bytes())
    first = text.splitlines()[0] if text else ""
    sep = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    header = [h.strip().lower() for h in rows[0]]
    return header, rows[1:], {"encoding": enc, "separator": sep, "crlf": "\r\n" in text}


def parse_decimal_nl(text: str) -> float | None:
    """A register decimal: decimal comma (`712,45`), a point also accepted when unambiguous."""
    t = text.strip()
    if re.fullmatch(r"-?\d+(,\d+)?", t):
        return float(t.replace(",", "."))
    if re.fullmatch(r"-?\d+\.\d+", t):
        return float(t)
    return None


def parse_dutch_number(value) -> float | None:
    """A workbook number as a person reads it: `1.250` is 1250, `€ 2.500.000,00` is 2500000,
    `2.5` cannot be read."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    t = str(value).strip().replace("€", "").replace("\u00a0", " ").strip()
    if not re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d+)?|-?\d+(,\d+)?", t):
        return None
    return float(t.replace(".", "").replace(",", "."))


def parse_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    t = str(value).strip()
    return int(t) if re.fullmatch(r"-?\d+", t) else None


def parse_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    t = str(value).strip()
    try:
        return dt.date.fromisoformat(t)
    except ValueError:
        return None


def norm(col: str, value: str | None) -> str | None:
    if value is None:
        return None
    v = value.strip()
    if v == "":
        return None
    return v.upper() if col in UPPER else v.lower()


# -- reference --------------------------------------------------------------------------------------
@dataclass
class Reference:
    names: dict[str, set[str]]  # code -> names in any year
    mapping: dict[str, str]  # merged code -> final successor
    corporations: dict[str, str | None]  # code -> merged into
    dissolved: dict[str, dt.date | None]

    def current(self, code: str) -> str:
        return self.mapping.get(code, code)

    def successor(self, corp: str) -> str:
        seen = set()
        while self.corporations.get(corp) and corp not in seen:
            seen.add(corp)
            corp = self.corporations[corp]
        return corp


def load_reference(raw_dir: Path) -> Reference:
    ref = raw_dir / "reference"
    header, rows, _ = read_csv_file(ref / "municipalities.csv")
    names: dict[str, set[str]] = {}
    for r in rows:
        d = dict(zip(header, r))
        names.setdefault(d["gemeentecode"].strip().upper(), set()).add(d["gemeentenaam"])
    header, rows, _ = read_csv_file(ref / "municipal_mergers.csv")
    nxt = {}
    for r in rows:
        d = dict(zip(header, r))
        if d["is_primary_successor"].strip().lower() == "true":
            nxt[d["old_gemeentecode"].strip().upper()] = d["new_gemeentecode"].strip().upper()
    mapping = {}
    for c in nxt:
        s = c
        while s in nxt:
            s = nxt[s]
        mapping[c] = s
    header, rows, _ = read_csv_file(ref / "corporaties.csv")
    corps, dissolved = {}, {}
    for r in rows:
        d = dict(zip(header, r))
        code = d["corporatie"].strip().upper()
        corps[code] = d["opgegaan_in"].strip().upper() or None
        dissolved[code] = dt.date.fromisoformat(d["opgeheven_per"]) if d["opgeheven_per"].strip() else None
    return Reference(names, mapping, corps, dissolved)


# -- findings ---------------------------------------------------------------------------------------
@dataclass
class Unit:
    file: str
    row: int
    corp: str
    vhe: str
    bag: str | None
    gm: str
    bouwjaar: int | None
    label: str | None
    cond: int | None
    rent: float | None
    values: dict


@dataclass
class Findings:
    items: set = field(default_factory=set)  # (code, file, row, entity)
    files_read: int = 0
    workbooks: list = field(default_factory=list)

    def add(self, code, file, row=None, entity=None):
        self.items.add((code, file, row, entity))

    def codes(self) -> set[str]:
        return {i[0] for i in self.items}


def _register_rows(raw_dir: Path, rel: str, ref: Reference, f: Findings) -> list[Unit] | None:
    path = raw_dir / rel
    folder_date = path.parent.name
    file_corp = path.stem.upper()
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        header = [c.lower() for c in table.column_names]
        data = table.to_pylist()
        records = []
        for rec in data:
            records.append({k.lower(): ("" if v is None else (v.isoformat() if isinstance(v, dt.date) else
                                                               (f"{v:.2f}".replace(".", ",") if isinstance(v, float) else str(v))))
                            for k, v in rec.items()})
    else:
        header, rows, _ = read_csv_file(path)
        records = [dict(zip(header, r)) for r in rows if any(x.strip() for x in r)]
    missing = [c for c in REGISTER_REQUIRED if c not in header]
    if missing:
        f.add("F2", rel)
        return None
    if set(header) - set(REGISTER_ALL):
        f.add("F4", rel)
    if any(r["peildatum"].strip() != folder_date for r in records) or \
            any((norm("corporatie", r["corporatie"]) or "") != file_corp for r in records):
        f.add("F3", rel)
        return None
    units = []
    year = int(folder_date[:4])
    for i, r in enumerate(records):
        line = i + 2
        vals = {c: norm(c, r.get(c)) for c in REGISTER_ALL if c in r}
        err = False
        bouwjaar = parse_int(r["bouwjaar"]) if r["bouwjaar"].strip() else None
        cond = parse_int(r["conditiescore"]) if r["conditiescore"].strip() else None
        rent = parse_decimal_nl(r["kale_huur"]) if r["kale_huur"].strip() else None
        if (r["bouwjaar"].strip() and bouwjaar is None) or (r["conditiescore"].strip() and cond is None) or \
                (r["kale_huur"].strip() and rent is None):
            f.add("R1", rel, line)
            err = True
        gm = vals["gemeentecode"] or ""
        if gm not in ref.names:
            f.add("R2", rel, line)
            err = True
        corp = vals["corporatie"] or ""
        if corp not in ref.corporations:
            f.add("R4", rel, line, corp)
            err = True
        bad = [c for c, allowed in SETS.items() if vals.get(c) is not None and vals[c] not in allowed]
        if vals.get("energielabel") is not None and vals["energielabel"] not in LABELS:
            bad.append("energielabel")
        if cond is not None and not 1 <= cond <= 6:
            bad.append("conditiescore")
        if bad or any(vals.get(c) is None for c in SETS):
            f.add("R5", rel, line)
            err = True
        if err:
            continue
        if gm in ref.mapping:
            f.add("R3", rel)
        if vals.get("energielabel") is None or cond is None:
            f.add("R6", rel)
        if bouwjaar is not None and (bouwjaar < 1800 or bouwjaar > year):
            f.add("R9", rel, line)
        if rent is not None and (rent < 0 or rent > 5000):
            f.add("R10", rel, line)
        units.append(Unit(rel, line, corp, r["vhe_nummer"].strip(), (r["bag_vbo_id"] or "").strip() or None,
                          gm, bouwjaar, vals.get("energielabel"), cond, rent, vals))
    # R7 within the file
    seen: dict[str, list[Unit]] = {}
    for u in units:
        seen.setdefault(u.vhe, []).append(u)
    dup = {id(u) for lst in seen.values() if len(lst) > 1 for u in lst}
    for lst in seen.values():
        if len(lst) > 1:
            for u in lst:
                f.add("R7", rel, u.row, u.vhe)
    return [u for u in units if id(u) not in dup]


def _workbook(raw_dir: Path, rel: str, ref: Reference, f: Findings):
    import openpyxl

    try:
        book = openpyxl.load_workbook(raw_dir / rel, data_only=True, read_only=True)
    except Exception:  # noqa: BLE001
        f.add("F1", rel)
        return None
    sheets = {ws.title.strip().lower(): ws for ws in book.worksheets}
    if "afspraak" not in sheets or "prestaties" not in sheets:
        f.add("F2", rel)
        return None
    if set(sheets) - {"afspraak", "prestaties"}:
        f.add("F4", rel)
    meta = {}
    for row in sheets["afspraak"].iter_rows(values_only=True):
        if row and row[0] is not None and str(row[0]).strip().lower() in FIELDS:
            meta[str(row[0]).strip().lower()] = row[1] if len(row) > 1 else None
    status = str(meta.get("status") or "").strip().lower()
    date = parse_date(meta.get("datum_ondertekening")) if meta.get("datum_ondertekening") is not None else None
    van, tot, versie = (parse_int(meta.get(k)) if meta.get(k) is not None else None
                        for k in ("looptijd_van", "looptijd_tot", "versie"))
    if any(k not in meta for k in FIELDS) or status not in ("bod", "concept", "ondertekend") or date is None \
            or van is None or tot is None or versie is None or van > tot:
        f.add("F2", rel)
        return None
    code = str(meta["gemeentecode"]).strip().upper()
    if code not in ref.names:
        f.add("A1", rel, None, code)
        return None
    if code in ref.mapping:
        f.add("A2", rel, None, code)
    if str(meta["gemeentenaam"]).strip() not in ref.names[code]:
        f.add("A14", rel, None, code)
    parties = {p.strip().upper() for p in str(meta["corporaties"]).split(",") if p.strip()}
    rows = []
    header_seen = False
    for excel_row, row in enumerate(sheets["prestaties"].iter_rows(values_only=True), start=1):
        cells = list(row) + [None] * 5
        if not header_seen:
            if [str(c).strip().lower() if c is not None else None for c in cells[:5]] == \
                    ["corporatie", "jaar", "indicator", "waarde", "toelichting"]:
                header_seen = True
                continue
            f.add("F2", rel)
            return None
        if all(c is None or str(c).strip() == "" for c in cells[:5]):
            continue
        if str(cells[0] or "").strip().lower() == "totaal":
            continue
        corp = str(cells[0] or "").strip().upper()
        year = parse_int(cells[1])
        ind = str(cells[2] or "").strip().lower()
        val = parse_dutch_number(cells[3])
        if corp not in ref.corporations or corp not in parties:
            f.add("A3", rel, excel_row, corp)
            continue
        if ind not in INDICATORS or val is None or val < 0:
            f.add("A4", rel, excel_row, corp)
            continue
        if year is None or not van <= year <= tot:
            f.add("A5", rel, excel_row, corp)
            continue
        rows.append((corp, year, ind, val, excel_row))
    keys = [(r[0], r[1], r[2]) for r in rows]
    if len(keys) != len(set(keys)):
        f.add("A13", rel)
    summed: dict[tuple, float] = {}
    for corp, year, ind, val, _ in rows:
        summed[(corp, year, ind)] = summed.get((corp, year, ind), 0.0) + val
    return dict(file=rel, code=code, status=status, date=date, van=van, tot=tot, versie=versie,
                parties=parties, rows=summed)


def find_findings(raw_dir: Path) -> Findings:
    raw_dir = Path(raw_dir)
    ref = load_reference(raw_dir)
    f = Findings()
    hashes: dict[str, list[str]] = {}
    for p in sorted(raw_dir.rglob("*")):
        if p.is_file() and p.parts[len(raw_dir.parts)] in ("register", "agreements", "targets"):
            hashes.setdefault(hashlib.sha256(p.read_bytes()).hexdigest(), []).append(p.relative_to(raw_dir).as_posix())
    for files in hashes.values():
        for rel in sorted(files)[1:]:
            f.add("F5", rel)

    # register
    snapshots = {}
    for folder in sorted((raw_dir / "register").iterdir()):
        units: list[Unit] = []
        corps_with_file = set()
        for p in sorted(folder.iterdir()):
            rel = p.relative_to(raw_dir).as_posix()
            got = _register_rows(raw_dir, rel, ref, f)
            f.files_read += 1
            if got is not None:
                units += got
                corps_with_file.add(p.stem.upper())
        by_bag: dict[str, list[Unit]] = {}
        for u in units:
            if u.bag:
                by_bag.setdefault(u.bag, []).append(u)
        bad = set()
        for bag, lst in by_bag.items():
            if len({u.corp for u in lst}) > 1:
                for u in lst:
                    f.add("R8", u.file, u.row, bag)
                    bad.add(id(u))
        units = [u for u in units if id(u) not in bad and u.corp in ref.corporations]
        snapshots[folder.name] = (units, {ref.successor(c) for c in corps_with_file if c in ref.corporations})
    dates = sorted(snapshots)
    for s0, s1 in zip(dates, dates[1:]):
        u0, c0 = snapshots[s0]
        u1, c1 = snapshots[s1]
        for c in sorted(c0 ^ c1):
            f.add("R13", None, None, c)
        both = c0 & c1
        n0, n1 = {}, {}
        for u in u0:
            n0[ref.successor(u.corp)] = n0.get(ref.successor(u.corp), 0) + 1
        for u in u1:
            n1[ref.successor(u.corp)] = n1.get(ref.successor(u.corp), 0) + 1
        for c in sorted(both):
            if n0.get(c) and abs(n1.get(c, 0) - n0[c]) / n0[c] > 0.2:
                f.add("R12", None, None, c)
        old = {u.bag: u for u in u0 if u.bag}
        for u in u1:
            o = old.get(u.bag) if u.bag else None
            if o is None:
                continue
            if (o.label in GOOD and u.label in EFG) or (o.cond and u.cond and u.cond - o.cond >= 3):
                f.add("R11", u.file, u.row, u.vhe)

    # agreements
    wbs = []
    for p in sorted((raw_dir / "agreements").glob("*.xlsx")):
        rel = p.relative_to(raw_dir).as_posix()
        if any(rel in files[1:] for files in hashes.values() if len(files) > 1):
            pass  # a duplicate is still read (F5 is a warning)
        w = _workbook(raw_dir, rel, ref, f)
        if w is not None:
            wbs.append(w)
    f.workbooks = wbs

    # targets
    for p in sorted((raw_dir / "targets").glob("*.csv")) if (raw_dir / "targets").exists() else []:
        rel = p.relative_to(raw_dir).as_posix()
        header, rows, _ = read_csv_file(p)
        for i, r in enumerate(rows):
            d = dict(zip(header, r))
            yf, yt = parse_int(d["year_from"]), parse_int(d["year_to"]) if d["year_to"].strip() else None
            if d["indicator_code"].strip() not in TARGET_INDICATORS or d["kind"].strip() not in ("flow", "stock") \
                    or yf is None or (yt is not None and yt < yf) or d["target_code"].strip() in SHIPPED_TARGETS \
                    or parse_decimal_nl(d["target_value"]) is None:
                f.add("T1", rel, i + 2, d["target_code"].strip())

    for as_of in (None, dt.date(2022, 7, 1), dt.date(2023, 4, 1)):
        _agreement_checks(f, ref, wbs, snapshots, as_of)
    return f


def _agreement_checks(f: Findings, ref: Reference, wbs: list[dict], snapshots: dict, as_of: dt.date | None):
    visible = [w for w in wbs if as_of is None or w["date"] <= as_of]
    snaps = [s for s in sorted(snapshots) if as_of is None or dt.date.fromisoformat(s) <= as_of]
    if not snaps:
        return
    latest = snaps[-1]
    units = snapshots[latest][0]
    year = int(latest[:4])
    owned, efg, c56 = {}, {}, {}
    munis_with_homes = set()
    for u in units:
        key = (ref.successor(u.corp), ref.current(u.gm))
        owned[key] = owned.get(key, 0) + 1
        efg[key] = efg.get(key, 0) + (u.label in EFG)
        c56[key] = c56.get(key, 0) + (u.cond in (5, 6))
        munis_with_homes.add(key[1])
    counting: dict[str, dict] = {}
    signed_by_version: dict[tuple, list] = {}
    for w in visible:
        if w["status"] != "ondertekend":
            continue
        signed_by_version.setdefault((w["code"], w["versie"]), []).append(w)
        cur = counting.get(w["code"])
        if cur is None or (w["versie"], w["date"], w["file"]) > (cur["versie"], cur["date"], cur["file"]):
            counting[w["code"]] = w
    for (code, _v), lst in signed_by_version.items():
        if len(lst) > 1:
            for w in lst:
                f.add("A6", None, None, code)
    committed_efg, committed_56 = {}, {}
    for code, w in counting.items():
        muni = ref.current(code)
        for (corp, y, ind), v in w["rows"].items():
            sc = ref.successor(corp)
            if sc != corp:
                f.add("A12", w["file"], None, corp)
            if owned.get((sc, muni), 0) == 0:
                f.add("A7", w["file"], None, corp)
            if y > year and ind == "verbetering_efg":
                committed_efg[(sc, muni)] = committed_efg.get((sc, muni), 0) + v
            if y > year and ind == "herstel_conditie_56":
                committed_56[(sc, muni)] = committed_56.get((sc, muni), 0) + v
    for key, v in committed_efg.items():
        if v > efg.get(key, 0):
            f.add("A8", None, None, key[0])
    for key, v in committed_56.items():
        if v > c56.get(key, 0):
            f.add("A9", None, None, key[0])
    covered = {ref.current(c) for c in counting}
    for m in sorted(munis_with_homes - covered):
        f.add("A10", None, None, m)
    bids: dict[tuple, dict] = {}
    for w in visible:
        if w["status"] != "bod":
            continue
        for corp in w["parties"]:
            cur = bids.get((w["code"], corp))
            if cur is None or (w["date"], w["versie"]) > (cur["date"], cur["versie"]):
                bids[(w["code"], corp)] = w
    for (code, corp), w in bids.items():
        agreement = counting.get(code)
        if agreement is None:
            continue
        for (c, y, ind), v in w["rows"].items():
            if c == corp and agreement["rows"].get((c, y, ind), 0.0) < v:
                f.add("A11", w["file"], None, corp)
