"""Register files as corporations deliver them: every quirk read, every defect rejected clearly."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from ingest_support import REGISTER_HEADER, REGISTER_ROW, data_root, findings, log, query, register_csv
from pipelines.ingest import ingest_all
from pipelines.raw_schema import register_as_written

REL = "register/2022-12-31/L0002.csv"


@pytest.fixture(autouse=True, params=["polars", "duckdb"])
def reader(request, monkeypatch):
    """Every case with both CSV readers (csv_reader, duckdb_csv): the same rows, findings, errors."""
    monkeypatch.setenv("NPA_REGISTER_READER", request.param)
    return request.param


def _row(**changes) -> list[str]:
    row = dict(zip(REGISTER_HEADER, REGISTER_ROW, strict=True))
    row.update(changes)
    return list(row.values())


def _load(tmp_path, content: bytes, rel: str = REL):
    paths = data_root(tmp_path, with_agreement=False)
    target = paths.raw / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    ingest_all(paths, kinds=("register",))
    return paths


def _units(paths, rel: str = REL, as_stored: bool = False) -> list[dict]:
    """The rows of a file, with every value's text as written (as the checks read them), or as the
    raw layer stores them (without the texts that equal their value's text)."""
    cols = [c[0] for c in query(paths, "describe raw.register_units")]
    written = "" if as_stored else register_as_written("r")
    rows = query(paths, f"select r.* {written} from raw.register_units r where source_file = ? order by source_row", [rel])
    return [dict(zip(cols, r, strict=True)) for r in rows]


def test_the_text_as_written_is_stored_only_where_it_is_not_the_values_own(tmp_path):
    row = _row(corporatie=" l0002 ", vhe_nummer="K1", bouwjaar="1965", conditiescore="03", kale_huur="712,45")
    paths = _load(tmp_path, register_csv([row]).encode())
    (stored,) = _units(paths, as_stored=True)
    assert stored["corporatie_raw"] == " l0002 " and stored["corporatie"] == "L0002"
    assert stored["vhe_nummer_raw"] is None and stored["vhe_nummer"] == "K1"
    assert stored["bouwjaar_raw"] is None and stored["bouwjaar"] == 1965
    assert stored["peildatum_raw"] is None and stored["peildatum"] == dt.date(2022, 12, 31)
    assert stored["conditiescore_raw"] == "03" and stored["conditiescore"] == 3
    assert stored["kale_huur_raw"] == "712,45"  # always kept: a decimal comma is never the number's text
    (written,) = _units(paths)
    assert (written["vhe_nummer_raw"], written["bouwjaar_raw"], written["peildatum_raw"]) == ("K1", "1965", "2022-12-31")
    assert (written["corporatie_raw"], written["conditiescore_raw"]) == (" l0002 ", "03")


def test_clean_file_parsed(tmp_path):
    paths = _load(tmp_path, register_csv([_row(), _row(vhe_nummer="K2", kale_huur="1.250,00")]).encode())
    assert log(paths)[REL][:2] == ("loaded", 2)
    first, second = _units(paths)
    assert first["source_row"] == 2 and second["source_row"] == 3
    assert first["file_date"] == dt.date(2022, 12, 31) and first["file_corporation"] == "L0002"
    assert first["peildatum"] == dt.date(2022, 12, 31)
    assert first["kale_huur_raw"] == "712,45" and first["kale_huur"] == 712.45
    assert second["kale_huur"] == 1250.0
    assert first["bouwjaar"] == 1965 and first["conditiescore"] == 3
    assert first["bag_vbo_id"] == "0363010000000011"  # text: leading zeros kept
    assert findings(paths, REL) == []


def test_codes_normalised_and_values_kept_as_written(tmp_path):
    row = _row(
        corporatie=" l0002 ", gemeentecode="gm0363", woningtype="mgw ", energielabel="a+",
        verwarming="Warmtepomp", zonnepanelen="Ja ", huursegment="SOCIAAL", conditiescore="")
    paths = _load(tmp_path, register_csv([row]).encode())
    (unit,) = _units(paths)
    assert (unit["corporatie_raw"], unit["corporatie"]) == (" l0002 ", "L0002")
    assert (unit["gemeentecode"], unit["woningtype"], unit["energielabel"]) == ("GM0363", "MGW", "A+")
    assert (unit["verwarming"], unit["zonnepanelen"], unit["huursegment"]) == ("warmtepomp", "ja", "sociaal")
    assert unit["conditiescore_raw"] == "" and unit["conditiescore"] is None  # empty: not a parse failure


def test_unparseable_values_are_null_beside_their_raw_text(tmp_path):
    row = _row(kale_huur="712.45", bouwjaar="19x5", peildatum="31-12-2022", conditiescore="3,5")
    paths = _load(tmp_path, register_csv([row]).encode())
    (unit,) = _units(paths)
    assert (unit["kale_huur_raw"], unit["kale_huur"]) == ("712.45", None)  # '.' + 2 digits: not Dutch
    assert (unit["bouwjaar_raw"], unit["bouwjaar"]) == ("19x5", None)
    assert (unit["peildatum_raw"], unit["peildatum"]) == ("31-12-2022", None)  # R1 for the checks, not F3
    assert unit["conditiescore"] is None
    assert log(paths)[REL][0] == "loaded"


@pytest.mark.parametrize(
    ("label", "encode"),
    [
        ("utf-8", lambda text: text.encode("utf-8")),
        ("utf-8 with BOM", lambda text: b"\xef\xbb\xbf" + text.encode("utf-8")),
        ("windows-1252", lambda text: text.encode("cp1252")),
        ("utf-16 with BOM", lambda text: text.encode("utf-16")),
    ],
)
def test_encodings(tmp_path, label, encode):
    text = register_csv([_row(vhe_nummer="Kamer-é €1")])
    paths = _load(tmp_path, encode(text))
    (unit,) = _units(paths)
    assert unit["vhe_nummer"] == "Kamer-é €1", label
    assert unit["peildatum"] == dt.date(2022, 12, 31)  # the BOM did not stick to the first header


def test_crlf_line_ends(tmp_path):
    paths = _load(tmp_path, register_csv([_row(), _row(vhe_nummer="K2")], eol="\r\n").encode())
    units = _units(paths)
    assert [u["kale_huur"] for u in units] == [712.45, 712.45]  # no '\r' stuck to the last column
    assert [u["source_row"] for u in units] == [2, 3]


def test_comma_separator_with_quoted_decimal_comma(tmp_path):
    header = ",".join(REGISTER_HEADER)
    values = ",".join(f'"{v}"' if "," in v else v for v in _row())
    paths = _load(tmp_path, f"{header}\n{values}\n".encode())
    (unit,) = _units(paths)
    assert unit["kale_huur"] == 712.45 and unit["gemeentecode"] == "GM0363"


def test_columns_in_any_order_and_header_case(tmp_path):
    header = [h.upper() if i % 2 else f" {h.replace('_', ' ').title()} " for i, h in enumerate(REGISTER_HEADER)]
    order = list(reversed(range(len(REGISTER_HEADER))))
    text = register_csv([[_row()[i] for i in order]], header=[header[i] for i in order])
    paths = _load(tmp_path, text.encode())
    (unit,) = _units(paths)
    assert unit["vhe_nummer"] == "K1" and unit["kale_huur"] == 712.45 and unit["bouwjaar"] == 1965


def test_postcode_is_optional(tmp_path):
    i = REGISTER_HEADER.index("postcode")
    row = _row()
    text = register_csv([row[:i] + row[i + 1 :]], header=REGISTER_HEADER[:i] + REGISTER_HEADER[i + 1 :])
    paths = _load(tmp_path, text.encode())
    (unit,) = _units(paths)
    assert unit["postcode_raw"] is None and unit["postcode"] is None
    assert findings(paths, REL) == []


def test_extra_column_ignored_with_f4(tmp_path):
    text = register_csv([_row() + ["blauw"]], header=REGISTER_HEADER + ["kleur_voordeur"])
    paths = _load(tmp_path, text.encode())
    assert log(paths)[REL][0] == "loaded"
    ((code, severity, detail),) = findings(paths, REL)
    assert (code, severity) == ("F4", "warning") and "kleur_voordeur" in detail and REL in detail


def test_missing_required_column_rejects_f2(tmp_path):
    i = REGISTER_HEADER.index("kale_huur")
    text = register_csv([_row()[:i]], header=REGISTER_HEADER[:i])
    paths = _load(tmp_path, text.encode())
    status, _, error = log(paths)[REL]
    assert status == "rejected" and error.startswith("F2") and "kale_huur" in error and REL in error
    assert [f[:2] for f in findings(paths, REL)] == [("F2", "error")]
    assert _units(paths) == []


def test_corporation_in_content_differs_from_file_name_f3(tmp_path):
    paths = _load(tmp_path, register_csv([_row(corporatie="L0009"), _row(vhe_nummer="K2", corporatie="L0009")]).encode())
    status, rows, error = log(paths)[REL]
    assert status == "rejected" and error.startswith("F3")
    assert "L0002" in error and "L0009" in error and "2 of 2 rows" in error and "corporatie" in error
    assert _units(paths) == []


def test_some_rows_of_another_corporation_reject_the_file_f3(tmp_path):
    rows = [_row(), _row(vhe_nummer="K2"), _row(vhe_nummer="K3", corporatie="L0009")]
    paths = _load(tmp_path, register_csv(rows).encode())
    status, _, error = log(paths)[REL]
    assert status == "rejected" and "1 of 3 rows" in error and "line(s) 4" in error
    assert _units(paths) == []


def test_peildatum_differs_from_folder_f3(tmp_path):
    paths = _load(tmp_path, register_csv([_row(peildatum="2021-12-31")]).encode())
    status, _, error = log(paths)[REL]
    assert status == "rejected" and error.startswith("F3") and "peildatum" in error and "2021-12-31" in error


def test_folder_that_is_not_a_date_f3(tmp_path):
    rel = "register/december/L0002.csv"
    paths = _load(tmp_path, register_csv([_row()]).encode(), rel=rel)
    status, _, error = log(paths)[rel]
    assert status == "rejected" and error.startswith("F3") and "december" in error


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"\r\n  \r\n", "empty"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)), "not a text"),
        ("peildatum;corporatie\n".encode() + b"\x81\x8d\x8f\x90\x9d\n", "neither UTF-8 nor Windows-1252"),
        (register_csv([]).encode(), "no data rows"),
        ((register_csv([_row()]) + "a;b;c;d;e;f;g;h;i;j;k;l;m;n;o;p;q;r\n").encode(), "line 3 has 18 fields"),
    ],
    ids=["empty", "blank lines only", "binary", "undecodable", "header only", "ragged line"],
)
def test_unreadable_files_f1(tmp_path, content, words):
    paths = _load(tmp_path, content)
    status, _, error = log(paths)[REL]
    assert status == "rejected" and error.startswith("F1") and words in error, error
    assert [f[:2] for f in findings(paths, REL)] == [("F1", "error")]


def test_unknown_extension_rejected(tmp_path):
    rel = "register/2022-12-31/L0002.xlsx"
    paths = _load(tmp_path, b"whatever", rel=rel)
    assert log(paths)[rel][0] == "rejected" and "csv or .parquet" in log(paths)[rel][2]


def test_blank_lines_keep_line_numbers(tmp_path):
    text = register_csv([_row()]) + "\n;;;;;;;;;;;;;;;\n" + register_csv([_row(vhe_nummer="K2")])[len(";".join(REGISTER_HEADER)) + 1 :]
    paths = _load(tmp_path, text.encode())
    units = _units(paths)
    assert [(u["vhe_nummer"], u["source_row"]) for u in units] == [("K1", 2), ("K2", 5)]
    assert log(paths)[REL][1] == 2


def test_parquet_with_native_types(tmp_path):
    rel = "register/2022-12-31/L0002.parquet"
    frame = pl.DataFrame(
        {
            "peildatum": [dt.date(2022, 12, 31), dt.date(2022, 12, 31)],
            "corporatie": ["L0002", "l0002"],
            "vhe_nummer": ["K1", "K2"],
            "bag_vbo_id": ["0363010000000011", None],
            "gemeentecode": ["GM0363", "GM0363"],
            "woningtype": ["MGW", "egw"],
            "bouwjaar": pl.Series([1965, None], dtype=pl.Int32),
            "energielabel": ["E", None],
            "conditiescore": pl.Series([3, None], dtype=pl.Int64),
            "verwarming": ["gasketel", "warmtepomp"],
            "zonnepanelen": ["nee", "ja"],
            "geclusterd_ouderen": ["nee", "nee"],
            "flexwoning": ["nee", "nee"],
            "huursegment": ["sociaal", "midden"],
            "kale_huur": [712.45, 1010.5],
        }
    )
    target = tmp_path / "x.parquet"
    frame.write_parquet(target)
    paths = _load(tmp_path, target.read_bytes(), rel=rel)
    assert log(paths)[rel][:2] == ("loaded", 2)
    first, second = _units(paths, rel)
    assert first["source_row"] == 2 and second["source_row"] == 3
    assert first["peildatum"] == dt.date(2022, 12, 31) and first["peildatum_raw"] == "2022-12-31"
    assert first["kale_huur"] == 712.45 and second["kale_huur"] == 1010.5  # a float, not Dutch text
    assert first["bouwjaar"] == 1965 and second["bouwjaar"] is None and second["bouwjaar_raw"] is None
    assert second["corporatie"] == "L0002" and second["woningtype"] == "EGW"
    assert first["postcode_raw"] is None


def test_corrupt_parquet_f1(tmp_path):
    rel = "register/2022-12-31/L0002.parquet"
    paths = _load(tmp_path, b"PAR1 this is not really parquet", rel=rel)
    status, _, error = log(paths)[rel]
    assert status == "rejected" and error.startswith("F1") and "Parquet" in error


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    paths = _load(tmp_path, b"")
    entries = log(paths)
    assert entries[REL][0] == "rejected"
    assert entries["register/2022-12-31/L0001.csv"][:2] == ("loaded", 3)
    assert entries["register/2021-12-31/L0001.csv"][:2] == ("loaded", 2)
