"""Hostile and broken files in data/raw/: each gives a finding naming code, file (and row where it
means something), the rest of the run goes on, and every raw file is byte-identical afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from hostile_files import (
    bomb_member,
    empty_rows_sheet,
    file_state,
    formula_sheet,
    sheet_parts,
    template_bytes,
    truncated,
    with_sheet,
)
from ingest_support import META, data_root, log, query, register_csv, REGISTER_ROW, write_workbook
from pipelines.ingest import ingest_all
from pipelines.ingest.files import FileRejected, list_files, open_raw
from pipelines.ingest.workbook_guard import MAX_MEMBER_BYTES
from pipelines.ingest.workbooks import read_workbook

GOOD = "agreements/amsterdam_v1.xlsx"  # data_root's own workbook: must load whatever lies beside it


def _load_findings(paths, rel: str) -> list[tuple]:
    return query(paths, "select check_code, severity, source_row, detail from raw.load_findings "
                        "where source_file = ? order by check_code, source_row", [rel])


def _ingest_untouched(paths, *outside: Path, kinds=("agreements",)):
    """Ingest, and prove that no raw file (nor anything a link leads to) changed."""
    before = file_state(paths.raw, *outside)
    ingest_all(paths, kinds=kinds)
    assert file_state(paths.raw, *outside) == before
    assert log(paths)[GOOD][:2] == ("loaded", 2)  # the rest of the run went on


def _rejected_f1(paths, rel: str, *words: str) -> str:
    status, rows, error = log(paths)[rel]
    assert status == "rejected" and rows == 0 and error.startswith(f"F1: {rel}: "), error
    [(code, severity, row, detail)] = _load_findings(paths, rel)
    assert (code, severity, row) == ("F1", "error", None) and detail == error[4:]
    for word in words:
        assert word in detail, detail
    assert query(paths, "select count(*) from raw.agreement_rows where source_file = ?", [rel]) == [(0,)]
    return detail


@pytest.mark.parametrize("content, words", [
    (b"corporatie;jaar;indicator;waarde\nL0001;2023;nieuwbouw;10\n", ["not an .xlsx workbook", "not a zip"]),
    (b"<!DOCTYPE html><html><body>Inloggen</body></html>", ["HTML page"]),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), ["old .xls", "password-protected"]),
    (b"", ["empty"]),
    (b"PK\x03\x04 a zip header and then nothing", ["damaged or incomplete"]),
], ids=["csv", "html", "xls-or-encrypted", "empty", "zip-signature-only"])
def test_a_file_named_xlsx_that_is_no_workbook_is_f1_naming_what_it_is(tmp_path, content, words):
    paths = data_root(tmp_path)
    rel = "agreements/gemeente export.xlsx"
    (paths.raw / rel).write_bytes(content)
    _ingest_untouched(paths)
    _rejected_f1(paths, rel, *words)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.995])
def test_a_truncated_workbook_is_f1(tmp_path, keep):
    paths = data_root(tmp_path)
    rel = "agreements/afgebroken.xlsx"
    (paths.raw / rel).write_bytes(truncated(template_bytes(tmp_path), keep))
    _ingest_untouched(paths)
    _rejected_f1(paths, rel, "damaged or incomplete")


def test_a_workbook_with_a_damaged_sheet_is_f1(tmp_path):
    data = bytearray(template_bytes(tmp_path))
    at = data.index(b"xl/worksheets/sheet2.xml") + 40  # inside the sheet's deflate stream
    data[at : at + 40] = bytes(40)
    paths = data_root(tmp_path)
    rel = "agreements/beschadigd.xlsx"
    (paths.raw / rel).write_bytes(bytes(data))
    _ingest_untouched(paths)
    _rejected_f1(paths, rel, "damaged")


def _refused_flat(data: bytes, monkeypatch) -> tuple[str, float, int]:
    """read_workbook on a bomb: the message, the seconds and the peak of Python allocations; calamine
    must never be reached (fastexcel.read_excel raises if it is)."""
    import fastexcel

    def never(*args, **kwargs):
        raise AssertionError("calamine was asked to open a zip bomb")

    monkeypatch.setattr(fastexcel, "read_excel", never)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(FileRejected) as caught:
            read_workbook(data, "agreements/bom.xlsx")
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.code == "F1"
    return caught.value.message, seconds, peak


def test_a_zip_bomb_is_refused_by_its_declared_size_before_anything_is_expanded(tmp_path, monkeypatch):
    path = with_sheet(tmp_path, tmp_path / "bom.xlsx", bomb_member(tmp_path, expanded=3 << 30))
    data = path.read_bytes()
    assert len(data) < 16 << 20  # about 9 MiB that expand to 3 GiB
    message, seconds, peak = _refused_flat(data, monkeypatch)
    assert "refused before reading" in message and "3.0 GiB" in message and "sheet2.xml" in message
    assert seconds < 1.0 and peak < 2 << 20, (seconds, peak)


def test_a_zip_bomb_whose_directory_lies_about_its_size_is_stopped_while_counting(tmp_path, monkeypatch):
    # the directory says 200 KiB; the stream really expands to 1 GiB: counting stops at 200 KiB
    member = bomb_member(tmp_path, expanded=1 << 30, declared=200 << 10)
    data = with_sheet(tmp_path, tmp_path / "bom.xlsx", member).read_bytes()
    message, seconds, peak = _refused_flat(data, monkeypatch)
    assert "expands to more than the 0.2 MiB its directory declares" in message
    assert seconds < 1.0 and peak < 2 << 20, (seconds, peak)


def test_a_member_that_expands_too_many_times_is_refused(tmp_path, monkeypatch):
    member = bomb_member(tmp_path, expanded=MAX_MEMBER_BYTES // 4)  # under the size limit, ratio ~1000x
    data = with_sheet(tmp_path, tmp_path / "bom.xlsx", member).read_bytes()
    message, _, _ = _refused_flat(data, monkeypatch)
    assert "would expand" in message and "limit 100x" in message


def test_zip_bombs_in_a_run_are_findings_and_the_rest_loads(tmp_path):
    paths = data_root(tmp_path)
    with_sheet(tmp_path, paths.agreements / "bom 3 GiB.xlsx", bomb_member(tmp_path, expanded=3 << 30))
    with_sheet(tmp_path, paths.agreements / "liegt.xlsx", bomb_member(tmp_path, 1 << 30, declared=1 << 20))
    _ingest_untouched(paths)
    _rejected_f1(paths, "agreements/bom 3 GiB.xlsx", "refused before reading", "zip bomb")
    _rejected_f1(paths, "agreements/liegt.xlsx", "its directory declares")


_MEASURE = """
import json, resource, sys, time
from pipelines.ingest.workbooks import read_workbook
def peak(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
read_workbook(open(sys.argv[1], "rb").read(), "warm-up")  # imports, calamine, polars warmed up
base = peak()
data = open(sys.argv[2], "rb").read()
started = time.perf_counter()
parsed = read_workbook(data, "agreements/leeg.xlsx")
print(json.dumps({"seconds": time.perf_counter() - started, "extra_bytes": peak() - base,
                  "rows": [(r["source_row"], r["waarde_num"]) for r in parsed.payload.rows]}))
"""


@pytest.mark.parametrize("style, data_after", [("rows", False), ("cells", False), ("cells", True)],
                         ids=["empty-row-elements", "styled-empty-cells", "styled-empty-cells-then-a-row"])
def test_a_sheet_of_a_million_empty_rows_is_quick_and_memory_flat(tmp_path, style, data_after):
    normal = write_workbook(tmp_path / "normaal.xlsx")
    sheet = empty_rows_sheet(tmp_path, 1_000_000, style=style, data_after=data_after)
    wide = with_sheet(tmp_path, tmp_path / "leeg.xlsx", sheet)
    # measured in a fresh process: peak RSS covers what calamine and polars allocate, not just Python
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(normal), str(wide)], check=True,
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    measured = json.loads(out.stdout)
    expected = [[2, 120.0], [3, 35.0]] + ([[1_000_004, 7.0]] if data_after else [])
    assert measured["rows"] == expected
    print(f"\n{style} data_after={data_after}: {len(sheet) / 2**20:.0f} MiB of sheet XML, "
          f"{measured['seconds']:.2f} s, +{measured['extra_bytes'] / 2**20:.0f} MiB peak RSS")
    assert measured["extra_bytes"] < 96 << 20, measured  # no million Python rows, no dense copy
    assert measured["seconds"] < 15, measured  # about 1-3 s on 2 busy cores


def test_a_million_empty_rows_in_a_run_load_the_real_rows(tmp_path):
    paths = data_root(tmp_path)
    rel = "agreements/tot rij 1048576.xlsx"
    with_sheet(tmp_path, paths.raw / rel, empty_rows_sheet(tmp_path, 1_000_000, style="rows"))
    _ingest_untouched(paths)
    assert log(paths)[rel][:2] == ("loaded", 2)


def test_formulas_are_read_as_excel_shows_them_and_uncomputed_ones_kept_as_written(tmp_path):
    paths = data_root(tmp_path)
    rel = "agreements/met formules.xlsx"
    with_sheet(tmp_path, paths.raw / rel, formula_sheet(tmp_path))
    _ingest_untouched(paths)
    assert log(paths)[rel][:2] == ("loaded", 7)
    rows = query(paths, "select source_row, indicator, waarde_raw, waarde from raw.agreement_rows "
                        "where source_file = ? order by source_row", [rel])
    assert query(paths, "select corporatie_raw, jaar_raw, jaar from raw.agreement_rows where source_file = ? "
                        "and source_row = 8", [rel]) == [("=A7", "=B7+1", None)]
    assert rows == [
        (2, "nieuwbouw", "120", 120.0),
        (3, "verbetering_efg", "35", 35.0),
        (4, "sloop", "155", 155.0),  # a formula with its computed value: the value
        (5, "verkoop", "=D2*2", None),  # never computed: kept as written, A4 for the checks
        (6, "transformatie", "=1/0", None),  # computed to an error (#DIV/0!): the same
        (7, "flexwoningen", "1.250", 1250.0),  # a formula giving text: the text, read as Dutch
        (8, None, "=D7*2", None),  # nothing but uncomputed formulas: kept, so the checks see the row
    ]
    assert _load_findings(paths, rel) == []


def test_an_uncomputed_formula_in_a_required_field_is_f2_naming_row_and_formula(tmp_path):
    paths = data_root(tmp_path)
    rel = "agreements/formule in afspraak.xlsx"
    write_workbook(paths.raw / rel, meta={**META, "gemeentecode": '="GM"&"0363"'})  # openpyxl saves no value
    _ingest_untouched(paths)
    status, _, error = log(paths)[rel]
    assert status == "rejected" and error.startswith(f"F2: {rel}: sheet Afspraak, row 2: field gemeentecode")
    assert 'a formula without a computed value (="GM"&"0363")' in error


def test_a_cached_formula_value_in_a_field_is_used(tmp_path):
    paths = data_root(tmp_path)
    rel = "agreements/versie formule.xlsx"
    data = template_bytes(tmp_path)
    from hostile_files import members_of, write_zip

    members = members_of(data)
    afspraak = members["xl/worksheets/sheet1.xml"]
    # versie (row 8) as a formula with its computed value, as Excel saves it
    start = afspraak.index(b'<c r="B8"')
    end = afspraak.index(b"</c>", start) + 4
    members["xl/worksheets/sheet1.xml"] = afspraak[:start] + b'<c r="B8"><f>1+2</f><v>3</v></c>' + afspraak[end:]
    write_zip(paths.raw / rel, list(members.items()))
    _ingest_untouched(paths)
    assert log(paths)[rel][0] == "loaded"
    assert query(paths, "select versie from raw.agreement_workbooks where source_file = ?", [rel]) == [(3,)]


# --- links and names -------------------------------------------------------------------------


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder beside data/ holding files someone linked to."""
    folder = tmp_path / "elders"
    folder.mkdir()
    write_workbook(folder / "geheim.xlsx", meta={**META, "gemeentecode": "GM0599"})
    (folder / "L0002.csv").write_text(register_csv([REGISTER_ROW]))
    (folder / "map").mkdir()
    write_workbook(folder / "map" / "in map.xlsx")
    return folder


def _spy_opens(monkeypatch) -> list[str]:
    opened: list[str] = []
    real = os.open

    def spy(path, flags, *args, **kwargs):
        opened.append(os.path.realpath(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr("pipelines.ingest.files.os.open", spy)
    return opened


def test_links_out_of_the_raw_folder_are_not_followed(tmp_path, outside, monkeypatch):
    paths = data_root(tmp_path)
    (paths.agreements / "link naar elders.xlsx").symlink_to(outside / "geheim.xlsx")
    (paths.agreements / "map elders").symlink_to(outside / "map", target_is_directory=True)
    (paths.agreements / "weg.xlsx").symlink_to(tmp_path / "bestaat-niet.xlsx")
    (paths.register / "2022-12-31" / "L0002.csv").symlink_to(outside / "L0002.csv")
    opened = _spy_opens(monkeypatch)
    _ingest_untouched(paths, outside, kinds=("register", "agreements"))

    assert not [p for p in opened if p.startswith(str(outside))]  # nothing outside was even opened
    for rel in ("agreements/link naar elders.xlsx", "agreements/map elders"):
        detail = _rejected_f1(paths, rel, "symbolic link that leads out of data/raw/", "not followed")
        assert str(outside) not in detail and str(tmp_path) not in detail  # no paths of the machine in a report
    _rejected_f1(paths, "agreements/weg.xlsx", "symbolic link to nothing")
    status, _, error = log(paths)["register/2022-12-31/L0002.csv"]
    assert status == "rejected" and error.startswith("F1: register/2022-12-31/L0002.csv: a symbolic link")
    assert query(paths, "select sha256 from raw.load_log where file_path = ?", ["agreements/link naar elders.xlsx"]) == [(None,)]
    assert query(paths, "select count(*) from raw.register_units where source_file like '%L0002%'") == [(0,)]
    assert query(paths, "select count(*) from raw.agreement_workbooks where gemeentecode = 'GM0599'") == [(0,)]


def test_a_link_inside_the_raw_folder_reads_its_file(tmp_path):
    paths = data_root(tmp_path)
    (paths.agreements / "archief").mkdir()
    write_workbook(paths.agreements / "archief" / "v2.xlsx", meta={**META, "versie": 2})
    (paths.agreements / "actueel.xlsx").symlink_to(Path("archief") / "v2.xlsx")
    (paths.agreements / "alias map").symlink_to("archief", target_is_directory=True)
    _ingest_untouched(paths)
    entries = log(paths)
    # the link is read as the file it leads to: the same bytes twice, so the first by path is loaded
    # and the other is an F5 warning
    assert entries["agreements/actueel.xlsx"][:2] == ("loaded", 2)
    assert entries["agreements/archief/v2.xlsx"][0] == "rejected"
    assert entries["agreements/archief/v2.xlsx"][2].startswith("F5 (warning): agreements/archief/v2.xlsx: same content")
    # the folder link is not walked, and says so: its file is read where it is
    _rejected_f1(paths, "agreements/alias map", "symbolic link to the folder agreements/archief/", "not followed")
    assert not [p for p in entries if p.startswith("agreements/alias map/")]
    assert query(paths, "select versie from raw.agreement_workbooks where source_file = ?",
                 ["agreements/actueel.xlsx"]) == [(2,)]


def test_a_snapshot_folder_linked_to_another_is_refused_not_left_out_silently(tmp_path):
    paths = data_root(tmp_path)
    (paths.register / "2023-12-31").symlink_to("2022-12-31", target_is_directory=True)
    (paths.raw / "archief" / "2024-12-31").mkdir(parents=True)  # inside data/raw/, but not a folder that is read
    (paths.raw / "archief" / "2024-12-31" / "L0002.csv").write_text(register_csv([REGISTER_ROW]))
    (paths.register / "2024-12-31").symlink_to(Path("..") / "archief" / "2024-12-31", target_is_directory=True)
    _ingest_untouched(paths, kinds=("register", "agreements"))
    entries = log(paths)
    for rel, where in (("register/2023-12-31", "register/2022-12-31/"), ("register/2024-12-31", "archief/2024-12-31/")):
        status, rows, error = entries[rel]
        assert status == "rejected" and rows == 0, entries[rel]
        assert error.startswith(f"F1: {rel}: a symbolic link to the folder {where} inside data/raw/: not followed")
        assert [(c, s) for c, s, _, _ in _load_findings(paths, rel)] == [("F1", "error")]
    # the real snapshots are read once, under their own names; nothing comes in under the links' names
    assert query(paths, "select distinct source_file from raw.register_units order by 1") == [
        ("register/2021-12-31/L0001.csv",), ("register/2022-12-31/L0001.csv",)]


def test_a_file_swapped_for_a_link_after_listing_is_not_followed(tmp_path, outside):
    link = tmp_path / "swapped.xlsx"
    link.symlink_to(outside / "geheim.xlsx")
    with pytest.raises(OSError):
        open_raw(link)


def test_names_with_spaces_and_non_ascii_characters_load_normally(tmp_path):
    paths = data_root(tmp_path)
    names = ["agreements/’s-Hertogenbosch – versie 2 (définitief).xlsx", "agreements/sub map/Súdwest-Fryslân.xlsx",
             "agreements/日本語 ファイル.xlsx"]
    for i, rel in enumerate(names):
        write_workbook(paths.raw / rel, meta={**META, "versie": 10 + i})
    register = "register/2022-12-31/ L0002 .csv"  # spaces around the corporation: the name still says L0002
    (paths.raw / register).write_text(register_csv([REGISTER_ROW]))
    wrong = "register/2022-12-31/L0002 – kopie é.csv"
    (paths.raw / wrong).write_text(register_csv([REGISTER_ROW[:2] + ["K2"] + REGISTER_ROW[3:]]))
    _ingest_untouched(paths, kinds=("register", "agreements"))
    entries = log(paths)
    for rel in names:
        assert entries[rel][:2] == ("loaded", 2), entries[rel]
    assert entries[register][:2] == ("loaded", 1)
    # judged by the usual rules (F3: the name is no corporation), the name shown as it is
    assert entries[wrong][0] == "rejected" and entries[wrong][2].startswith(f"F3: {wrong}:")
    assert {r for (r,) in query(paths, "select source_file from raw.agreement_workbooks")} == {GOOD, *names}


def test_a_name_that_is_not_utf8_is_listed_shown_and_loaded(tmp_path):
    paths = data_root(tmp_path)
    raw_name = os.fsencode(paths.agreements) + b"/Gemeente Sm\xe9rdeg.xlsx"  # Latin-1 bytes in a name
    write_workbook(Path(os.fsdecode(raw_name)), meta={**META, "versie": 3})
    rels = [f.rel for f in list_files(paths.agreements, paths.raw)]
    assert "agreements/Gemeente Sm\\xe9rdeg.xlsx" in rels
    _ingest_untouched(paths)
    assert log(paths)["agreements/Gemeente Sm\\xe9rdeg.xlsx"][:2] == ("loaded", 2)


# --- the whole nightly with every hostile file present ---------------------------------------

# the marts that must not change when hostile files are added beside good ones (dq_findings and
# load_log gain their rows; fct_commitments is compared without the hostile files' own rows)
_UNCHANGED_MARTS = ["commitments_by_area", "dim_corporation", "dim_municipality", "national_targets",
                    "progress_by_area", "progress_national", "realisation_by_area", "stock_by_area",
                    "stock_trajectory"]
_AUDIT = {"run_id", "checked_at", "loaded_at"}


def _marts(paths, hostile: set[str]) -> dict[str, list]:
    from tests.pipeline_harness import published

    out = {}
    for table in [*_UNCHANGED_MARTS, "fct_commitments"]:
        cols = [c for (c,) in published(paths, "select column_name from information_schema.columns where "
                                               "table_schema = 'marts' and table_name = ? order by ordinal_position", [table])
                if c not in _AUDIT]
        rows = published(paths, f"select {', '.join(cols)} from marts.{table} order by all")
        if table == "fct_commitments":
            at = cols.index("source_file")
            rows = [r for r in rows if r[at] not in hostile]
        out[table] = rows
    findings = published(paths, "select suite, check_code, severity, entity, detail, source_file from marts.dq_findings")
    return {"marts": out, "findings": findings}


@pytest.mark.xdist_group("pipeline")
def test_the_nightly_succeeds_with_every_hostile_file_present_and_loses_nothing(tmp_path, reference_dir, dbt_manifest):
    from tests.pipeline_harness import prepare_data_dir, published, run_nightly

    paths = prepare_data_dir(tmp_path / "data", reference_dir)
    clean = run_nightly(paths)
    assert clean.success, [e.message for e in clean.all_events if e.is_failure]
    before = _marts(paths, set())

    outside = tmp_path / "elders"
    outside.mkdir()
    draft = {**META, "status": "concept"}  # drafts never count: the commitments stay as they were
    agreements = paths.agreements
    (agreements / "niet een werkmap.xlsx").write_bytes(b"corporatie;jaar;indicator;waarde\nL0001;2023;sloop;1\n")
    (agreements / "afgebroken download.xlsx").write_bytes(truncated(template_bytes(tmp_path, meta=draft), 0.6))
    with_sheet(tmp_path, agreements / "bom.xlsx", bomb_member(tmp_path, expanded=3 << 30))
    with_sheet(tmp_path, agreements / "leeg tot rij 1000003.xlsx", empty_rows_sheet(tmp_path, 1_000_000), meta=draft)
    with_sheet(tmp_path, agreements / "formules.xlsx", formula_sheet(tmp_path), meta=draft)
    write_workbook(outside / "elders.xlsx", meta=draft)
    (agreements / "link naar elders.xlsx").symlink_to(outside / "elders.xlsx")
    write_workbook(agreements / "Súdwest-Fryslân ’s concept (v2).xlsx", meta={**draft, "versie": 2})
    snapshot = sorted(p.name for p in (paths.register).iterdir())[-1]
    (outside / "L9999.csv").write_text("peildatum;corporatie\n")
    (paths.register / snapshot / "L9999.csv").symlink_to(outside / "L9999.csv")
    hostile = {p.relative_to(paths.raw).as_posix() for p in [*agreements.iterdir(), paths.register / snapshot / "L9999.csv"]
               if p.name in {"niet een werkmap.xlsx", "afgebroken download.xlsx", "bom.xlsx", "leeg tot rij 1000003.xlsx",
                             "formules.xlsx", "link naar elders.xlsx", "Súdwest-Fryslân ’s concept (v2).xlsx", "L9999.csv"}}
    assert len(hostile) == 8

    state = file_state(paths.raw, outside)
    result = run_nightly(paths)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    assert file_state(paths.raw, outside) == state  # byte-identical, same mtimes, links untouched

    after = _marts(paths, hostile)
    assert after["marts"] == before["marts"]  # nothing lost, nothing counted twice
    assert set(before["findings"]) <= set(after["findings"])
    status = dict(published(paths, "select file_path, status from marts.load_log"))
    assert {f: s for f, s in status.items() if f not in hostile and s != "unchanged"} == {}

    found = published(paths, "select source_file, check_code, severity, entity, detail from marts.dq_findings "
                             "where source_file in (select unnest(?))", [sorted(hostile)])
    by_file: dict[str, list[tuple]] = {}
    for source_file, *rest in found:
        by_file.setdefault(source_file, []).append(tuple(rest))

    def codes(rel: str) -> set[str]:
        return {code for code, *_ in by_file.get(rel, [])}

    for rel in ("agreements/niet een werkmap.xlsx", "agreements/afgebroken download.xlsx", "agreements/bom.xlsx",
                "agreements/link naar elders.xlsx", f"register/{snapshot}/L9999.csv"):
        assert status[rel] == "rejected" and codes(rel) == {"F1"}, (rel, by_file.get(rel))
    assert status["agreements/leeg tot rij 1000003.xlsx"] == "loaded"
    assert status["agreements/Súdwest-Fryslân ’s concept (v2).xlsx"] == "loaded"
    assert not {c for c in codes("agreements/Súdwest-Fryslân ’s concept (v2).xlsx") if c.startswith("F")}
    # the two formulas that Excel never computed are A4 errors naming their row and formula
    a4 = [f for f in by_file["agreements/formules.xlsx"] if f[0] == "A4"]
    assert len(a4) == 3, by_file["agreements/formules.xlsx"]  # rows 5, 6 and 8
    text = " | ".join(f"{entity} {detail}" for _, _, entity, detail in a4)
    print("\nA4 findings of formules.xlsx:", text)
    assert "=D2*2" in text and "=1/0" in text and "row 5" in text and "row 6" in text, text
    assert published(paths, "select count(*) from marts.fct_commitments where source_file = 'agreements/formules.xlsx' "
                            "and value is null") == [(0,)]


def test_an_xml_entity_bomb_is_refused(tmp_path, monkeypatch):
    # "billion laughs": 10 levels of 10 references, a few hundred bytes that parse to gigabytes
    head, rows, tail = sheet_parts(tmp_path)
    entities = '<!ENTITY l0 "ha">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    dtd = f"<!DOCTYPE worksheet [{entities}]>".encode()
    at = head.index(b"<worksheet")
    sheet = head[:at] + dtd + head[at:] + rows.replace(b"<t>project A</t>", b"<t>&l9;</t>") + tail
    data = with_sheet(tmp_path, tmp_path / "lachen.xlsx", sheet).read_bytes()
    message, seconds, peak = _refused_flat(data, monkeypatch)
    assert "declares a DTD" in message and "sheet2.xml" in message
    assert seconds < 1.0 and peak < 2 << 20


def test_an_archive_of_too_many_files_is_refused(tmp_path, monkeypatch):
    from hostile_files import members_of, write_zip

    members = list(members_of(template_bytes(tmp_path)).items())
    members += [(f"xl/media/leeg{i}.bin", b"") for i in range(10_001)]
    data = write_zip(tmp_path / "veel.xlsx", members).read_bytes()
    message, _, _ = _refused_flat(data, monkeypatch)
    assert "10,010 files" in message or "files (limit 10,000)" in message
