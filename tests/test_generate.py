"""The built-in data set generator (pipelines/generate): determinism, files that follow
raw-inputs.md, a clean set without errors, a defects manifest that covers every data check with
crisp instances, and calibration of `demo` against the published figures (within 10%)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import sys

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_oracle import find_findings, load_reference, read_csv_file
from pipelines.generate import generate
from pipelines.generate.calibration import FIGURES, calibration_from_raw, calibration_table
from pipelines.generate.defects import ALL_DATA_CHECKS, SEVERITY

REFERENCE = Path(os.environ.get("NPA_REFERENCE_DIR") or Path(__file__).resolve().parents[2] / "shared" / "reference")
REFERENCE_FILES = ("municipalities.csv", "municipal_mergers.csv", "corop_regions.csv")
NATURAL_WARNINGS = {"F4", "R3", "R6", "A2", "A10", "A12", "A13"}
SEED = 7

pytestmark = pytest.mark.skipif(not all((REFERENCE / f).is_file() for f in REFERENCE_FILES),
                                reason=f"reference data not found in {REFERENCE}")


def _raw_dir(base: Path) -> Path:
    (base / "reference").mkdir(parents=True)
    for name in REFERENCE_FILES:
        shutil.copy(REFERENCE / name, base / "reference" / name)
    return base


def _digests(raw_dir: Path) -> dict[str, str]:
    return {p.relative_to(raw_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(raw_dir.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    raw = _raw_dir(tmp_path_factory.mktemp("tiny") / "raw")
    generate("tiny", SEED, raw)
    return raw


@pytest.fixture(scope="module")
def tiny_defects(tmp_path_factory) -> Path:
    raw = _raw_dir(tmp_path_factory.mktemp("tiny_defects") / "raw")
    generate("tiny", SEED, raw, defects=True)
    return raw


def test_same_seed_same_bytes_other_seed_other_data(tiny, tmp_path):
    again = _raw_dir(tmp_path / "again")
    generate("tiny", SEED, again)
    first, second = _digests(tiny), _digests(again)
    assert first.keys() == second.keys()
    assert [f for f in first if first[f] != second[f]] == []
    other = _raw_dir(tmp_path / "other")
    generate("tiny", SEED + 1, other)
    third = _digests(other)
    changed = [f for f in third if not f.startswith("reference/") and first.get(f) != third[f]]
    assert len(changed) > 10


def test_layout_of_the_raw_folder(tiny):
    assert not (tiny / "defects.json").exists()
    reference = sorted(p.name for p in (tiny / "reference").iterdir())
    assert reference == sorted([*REFERENCE_FILES, "corporaties.csv", "woningmarktregios.csv"])
    for name in REFERENCE_FILES:  # the generator never rewrites the real reference files
        assert (tiny / "reference" / name).read_bytes() == (REFERENCE / name).read_bytes()
    snapshots = sorted(p.name for p in (tiny / "register").iterdir())
    assert snapshots == ["2021-12-31", "2022-12-31"]
    for snap in snapshots:
        names = [p.name for p in (tiny / "register" / snap).iterdir()]
        assert names and all(n[:1] == "L" and n[1:5].isdigit() and n[5:] in (".csv", ".parquet") for n in names)
    assert len(list((tiny / "agreements").glob("*.xlsx"))) >= 10


def test_corporations_file(tiny):
    header, rows, meta = read_csv_file(tiny / "reference" / "corporaties.csv")
    assert header == ["corporatie", "naam", "vestigingsgemeente", "opgeheven_per", "opgegaan_in"]
    corps = {r[0]: r for r in rows}
    merged = [r for r in rows if r[4]]
    assert len(merged) >= 1 and all(r[3] and r[4] in corps for r in merged)
    active = [r for r in rows if not r[3]]
    assert 4 <= len(active) <= 7


def test_housing_market_regions_file(tiny):
    """Every municipality of the most recent set in one region; regions that cross COROP and
    province borders, as the real ones do, and none unknown."""
    header, rows, _ = read_csv_file(tiny / "reference" / "woningmarktregios.csv")
    assert header == ["gemeentecode", "woningmarktregio"]
    corop = {r[0]: r for r in read_csv_file(REFERENCE / "corop_regions.csv")[1]}
    codes = [r[0] for r in rows]
    assert codes == sorted(codes) and set(codes) == set(corop)
    region = dict((r[0], r[1]) for r in rows)
    assert 25 <= len(set(region.values())) <= 40 and "Onbekend" not in region.values()
    by_name = {corop[c][1]: region[c] for c in codes}
    assert by_name["Amersfoort"] == by_name["Nijkerk"] == "Amersfoort"  # Utrecht and Gelderland
    assert by_name["Utrecht"] == "Utrecht" and by_name["Almere"] == by_name["Amsterdam"]


def test_register_files_parse_back(tiny):
    ref = load_reference(tiny)
    for snap in ("2021-12-31", "2022-12-31"):
        for path in sorted((tiny / "register" / snap).iterdir()):
            if path.suffix == ".parquet":
                import pyarrow.parquet as pq

                schema = pq.read_schema(path)
                types = {f.name: str(f.type) for f in schema}
                assert types["peildatum"] == "date32[day]"
                assert types["bouwjaar"].startswith("int") and types["conditiescore"].startswith("int")
                assert types["kale_huur"] == "double"
                assert types["vhe_nummer"] in ("string", "large_string")
                continue
            header, rows, meta = read_csv_file(path)
            assert {"peildatum", "corporatie", "vhe_nummer", "kale_huur"} <= set(header)
            k = header.index("kale_huur")
            for r in rows:
                assert len(r) == len(header)
                assert "," in r[k] and r[k].replace(",", "").isdigit()  # decimal comma
            c = header.index("corporatie")
            assert {r[c].strip().upper() for r in rows} == {path.stem}
            assert {r[c].strip().upper() for r in rows} <= set(ref.corporations)


def test_clean_data_has_no_error(tiny):
    findings = find_findings(tiny)
    errors = {i for i in findings.items if SEVERITY.get(i[0]) == "error"}
    assert errors == set()
    assert findings.codes() <= NATURAL_WARNINGS, findings.codes() - NATURAL_WARNINGS
    assert {"R3", "R6", "A2", "A10", "A12", "A13"} <= findings.codes()
    statuses = {w["status"] for w in findings.workbooks}
    assert statuses == {"bod", "concept", "ondertekend"}


def test_defects_manifest_covers_every_data_check(tiny_defects):
    manifest = json.loads((tiny_defects / "defects.json").read_text(encoding="utf-8"))
    codes = {e["check_code"] for e in manifest}
    assert codes == set(ALL_DATA_CHECKS)
    assert not {"N3", "N4"} & codes
    for e in manifest:
        assert set(e) >= {"check_code", "file", "entity", "row", "note"}
        if e["check_code"] == "R13":
            assert not (tiny_defects / e["file"]).exists()  # the missing delivery
        elif e["file"] is not None:
            assert (tiny_defects / e["file"]).is_file(), e
        if e["row"] is not None and e["file"].endswith(".csv") and e["check_code"] not in ("T1", "R3"):
            header, rows, _ = read_csv_file(tiny_defects / e["file"])
            assert e["entity"] in [x.strip() for x in rows[e["row"] - 2]], e


def test_defects_are_found_and_crisp(tiny_defects):
    manifest = json.loads((tiny_defects / "defects.json").read_text(encoding="utf-8"))
    findings = find_findings(tiny_defects)
    checked = findings.codes() | {"F1", "F2", "F3", "F5", "A1", "T1"}
    for e in manifest:
        code = e["check_code"]
        if code in ("N1", "N2") or code not in checked:
            continue
        hits = [i for i in findings.items if i[0] == code and (
            (i[1] == e["file"] and (e["row"] is None or i[2] in (None, e["row"])))
            or (i[1] is None and i[3] in (e["entity"], e.get("municipality"))))]
        assert hits, f"planted {code} not found: {e}"
    def planted(code, file, row, entity) -> bool:
        return any(e["check_code"] == code and (
            (file is not None and e["file"] == file and (row is None or e["row"] in (None, row)))
            or (file is None and entity in (e["entity"], e.get("municipality")))) for e in manifest)

    for item in findings.items:
        if item[0] in NATURAL_WARNINGS and SEVERITY[item[0]] == "warning":
            continue
        assert planted(*item), f"unplanned finding {item}"
    # exactly one instance where the rule allows it
    for code in ("R1", "R2", "R5", "R9", "R10", "R11", "A3", "A4", "A5", "A14", "F1", "F2", "F3", "A1"):
        assert len([i for i in findings.items if i[0] == code]) == 1, code


def test_demo_is_calibrated_and_has_every_quirk(tmp_path):
    raw = _raw_dir(tmp_path / "demo")
    summary = generate("demo", SEED, raw)
    rows = calibration_from_raw(raw, "demo")
    assert [r["figure"] for r in rows] == list(FIGURES)
    off = [r for r in rows if not r["within_10pct"]]
    assert off == [], off
    assert 270 <= summary["corporations_active_2023"] <= 290
    # quirks of raw-inputs.md, each somewhere in the register files
    seen = set()
    for path in sorted(p for p in (raw / "register").rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            seen.add("parquet")
            continue
        data = path.read_bytes()
        header, rows_, meta = read_csv_file(path)
        seen.add(f"sep{meta['separator']}")
        seen.add(meta["encoding"])
        if meta["crlf"]:
            seen.add("crlf")
        if "postcode" not in header:
            seen.add("no_postcode")
        if set(header) - {"peildatum", "corporatie", "vhe_nummer", "bag_vbo_id", "gemeentecode", "postcode",
                          "woningtype", "bouwjaar", "energielabel", "conditiescore", "verwarming", "zonnepanelen",
                          "geclusterd_ouderen", "flexwoning", "huursegment", "kale_huur"}:
            seen.add("extra_column")
        if header[:3] != ["peildatum", "corporatie", "vhe_nummer"]:
            seen.add("column_order")
        if b"Ja;" in data or b"NEE " in data or b"mgw" in data or b"Sociaal" in data:
            seen.add("code_case")
        if b'"' in data and meta["separator"] == ",":
            seen.add("quoted_decimal_comma")
    assert seen >= {"parquet", "sep;", "sep,", "utf-8", "utf-8-bom", "cp1252", "crlf", "no_postcode",
                    "extra_column", "column_order", "code_case", "quoted_decimal_comma"}, seen
    # ... and in the workbooks (a sample is enough)
    import datetime as dt

    import openpyxl

    seen = set()
    for path in sorted((raw / "agreements").glob("*.xlsx"))[:250]:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        titles = [ws.title for ws in book.worksheets]
        if "Afspraak" not in titles or "Prestaties" not in titles:
            seen.add("sheet_case")
        if len(titles) > 2:
            seen.add("extra_sheet")
        sheet = {t.lower(): book[t] for t in titles}
        meta = {r[0]: r[1] for r in sheet["afspraak"].iter_rows(values_only=True) if r and r[0]}
        if meta["gemeentecode"] != meta["gemeentecode"].strip().upper() or \
                meta["corporaties"] != meta["corporaties"].upper():
            seen.add("code_case")
        if isinstance(meta["datum_ondertekening"], dt.datetime):
            seen.add("date_cell")
        elif isinstance(meta["datum_ondertekening"], (int, float)):
            seen.add("date_serial")
        else:
            seen.add("date_text")
        if isinstance(meta["versie"], str):
            seen.add("versie_text")
        rows = list(sheet["prestaties"].iter_rows(values_only=True))
        if any(all(c is None for c in r) for r in rows):
            seen.add("empty_row")
        if any(r[0] == "Totaal" for r in rows):
            seen.add("totals_row")
        for r in rows[1:]:
            if isinstance(r[3], str) and r[3].startswith("€"):
                seen.add("euro_text")
            elif isinstance(r[3], str) and "." in r[3]:
                seen.add("thousands_text")
            if isinstance(r[1], str) and r[1] != "jaar":
                seen.add("year_text")
            if isinstance(r[0], str) and r[0] != "Totaal" and r[0] != r[0].strip().upper():
                seen.add("code_case")
        if meta["gemeentecode"].strip().upper() in ("GM0370", "GM0457", "GM0398", "GM0416", "GM0501", "GM0530",
                                                   "GM0614", "GM0756", "GM0786", "GM0815", "GM0856", "GM1684",
                                                   "GM1685", "GM1702"):
            seen.add("merged_code")
    statuses = set()
    for path in sorted((raw / "agreements").glob("*.xlsx")):
        statuses.add(path.name.split("_")[0])
    assert statuses == {"bod", "concept", "prestatieafspraken"}
    assert seen >= {"sheet_case", "extra_sheet", "code_case", "date_cell", "date_serial", "date_text",
                    "versie_text", "empty_row", "totals_row", "euro_text", "thousands_text", "year_text",
                    "merged_code"}, seen


def test_calibration_table_reads_the_marts(tmp_path):
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("""create table marts.stock_by_area as select * from (values
        (date '2021-12-31', 'national', 'NL', 230000, 23500, 1100, 300, 45000),
        (date '2022-12-31', 'national', 'NL', 230500, 20600, 1000, 280, 41000),
        (date '2022-12-31', 'municipality', 'GM0363', 200000, 0, 0, 0, 0),
        (date '2022-12-31', 'municipality', 'GM0599', 30500, 0, 0, 0, 0))
        t(snapshot_date, area_level, area_code, n_dwellings, n_label_efg, n_condition_5, n_condition_6,
          n_condition_missing)""")
    con.execute("""create table marts.realisation_by_area as select * from (values
        ('national', 'NL', 2022, 'nieuwbouw', 1650.0)) t(area_level, area_code, year, indicator_code, realised_value)""")
    con.execute("""create table marts.dim_corporation as select * from (values
        ('L0001', null::date), ('L0002', date '2022-07-01'), ('L0003', null::date))
        t(corporation_id, dissolved_on)""")
    con.execute("""create table marts.agreement_coverage as select * from (values
        ('GM0363', true), ('GM0599', false)) t(municipality_code, has_signed_agreement)""")
    rows = {r["figure"]: r for r in calibration_table(con, "demo")}
    assert rows["homes_end_2021"]["measured"] == 230000 and rows["homes_end_2021"]["within_10pct"]
    assert rows["efg_fall_2022"]["measured"] == 2900
    assert rows["condition_unknown_2021"]["measured"] == 45000
    assert rows["new_builds_2022"]["measured"] == 1650
    assert rows["corporations"]["measured"] == 2
    assert abs(rows["signed_coverage_share"]["measured"] - 200000 / 230500) < 1e-9
    assert rows["efg_end_2022"]["published"] == pytest.approx(20630.2)



def test_generator_refuses_to_replace_inputs_it_did_not_write(tmp_path):
    import shutil

    import pytest as _pytest

    from pipelines.generate import generate
    from tests.conftest import reference_source

    raw = tmp_path / "raw"
    (raw / "reference").mkdir(parents=True)
    for name in ("municipalities.csv", "municipal_mergers.csv", "corop_regions.csv"):
        shutil.copyfile(reference_source() / name, raw / "reference" / name)
    delivered = raw / "register" / "2022-12-31" / "L0001.csv"
    delivered.parent.mkdir(parents=True)
    delivered.write_text("peildatum;corporatie\n")
    with _pytest.raises(FileExistsError, match="L0001.csv"):
        generate("tiny", 1, raw)
    assert delivered.read_text() == "peildatum;corporatie\n"
