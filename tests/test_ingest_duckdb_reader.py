"""The DuckDB register reader (duckdb_csv.py, NPA_REGISTER_READER=duckdb) reads a file exactly as
csv_reader does, or hands it to csv_reader with the reason; the raw layer is the same either way."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from bench.raw_identity import compare
from ingest_support import REGISTER_HEADER, REGISTER_ROW, register_csv
from pipelines.config import DataPaths
from pipelines.ingest.csv_reader import read_csv_table
from pipelines.ingest.duckdb_csv import read_with_duckdb
from pipelines.ingest.files import FileRejected, list_files
from pipelines.ingest.load_log import sync_files
from pipelines.ingest.register import RegisterLoader
from pipelines.ingest.run import raw_connection
from test_hostile_register import hostile_files

FOLDER = "register/2022-12-31"


def _row(**changes) -> list[str]:
    row = dict(zip(REGISTER_HEADER, REGISTER_ROW, strict=True))
    row.update(changes)
    return list(row.values())


def _text(corp: str, n: int = 3, eol: str = "\n", sep: str = ";") -> str:
    rows = [_row(corporatie=corp, vhe_nummer=f"K{i}", kale_huur=f'"7{i}2,45"' if sep == "," else "712,45")
            for i in range(1, n + 1)]
    return register_csv(rows, sep=sep, eol=eol)


# corporation -> (bytes, the reason DuckDB does not read it, or None when it does)
QUIRKS: dict[str, tuple[bytes, str | None]] = {
    "L0011": (_text("L0011").encode(), None),
    "L0012": (b"\xef\xbb\xbf" + _text("L0012", eol="\r\n").encode(), None),
    "L0013": (_text("L0013", sep=",").encode(), None),
    "L0014": (_text("L0014").replace(";", "\t").encode(), None),
    "L0015": (_text("L0015").replace("K1", "Kamer-é €").encode("cp1252"), "windows-1252"),
    "L0016": (_text("L0016").replace("K1", "Kamer-é €").encode("utf-16"), "utf-16"),
    "L0017": (b"\xfe\xff" + _text("L0017").encode("utf-16-be"), "utf-16"),
    "L0018": (_text("L0018").replace("\n2022", "\n\n2022", 1).encode(), "blank lines or a value over several lines"),
    "L0019": (_text("L0019").replace("K2", "K2\rx").encode(), "carriage return inside a line"),
    "L0020": (_text("L0020").replace("K2", 'K"2').encode(), "quote inside a field"),
    "L0021": ((_text("L0021") + "a;b\n").encode(), "duckdb: InvalidInputException"),
    "L0022": (register_csv([]).encode(), None),
}


def _cases(seed: int, n: int) -> list[tuple[bytes, bytes]]:
    """Small delimited files with random quotes, line ends, blank lines and bytes dropped in."""
    rng = random.Random(seed)
    noise = [b"a", b" ", b";", b",", b'"', b"\n", b"\r\n", b"\r", b"\t", b"\xc3\xa9", b'""', b"\n\n", b"\xa0"]
    out = []
    for _ in range(n):
        sep = rng.choice([b";", b",", b"\t"])
        width = rng.randint(1, 4)
        lines = [sep.join(b"h%d" % j for j in range(width))]
        for _ in range(rng.randint(0, 5)):
            fields = [b"".join(rng.choice([b"x", b"12", b"7,5", b" "]) for _ in range(rng.randint(0, 2)))
                      for _ in range(width)]
            lines.append(sep.join(b'"' + f + b'"' if rng.random() < 0.3 else f for f in fields))
        data = b"\n".join(lines) + rng.choice([b"\n", b"", b"\r\n"])
        for _ in range(rng.randint(0, 2)):
            at = rng.randint(0, len(data))
            data = data[:at] + rng.choice(noise) + data[at:]
        out.append((rng.choice([b"", b"\xef\xbb\xbf"]), data))
    return out


def test_duckdb_reads_a_file_as_csv_reader_does_or_not_at_all(tmp_path):
    read_by_duckdb = 0
    for i, (bom, body) in enumerate(_cases(seed=15, n=600)):
        data = bom + body
        path = tmp_path / f"f{i}.csv"
        path.write_bytes(data)
        table, why = read_with_duckdb(path, data, path.name)
        if table is None:
            assert why, data
            continue
        read_by_duckdb += 1
        try:
            expected = read_csv_table(data, path.name)
        except FileRejected as exc:
            pytest.fail(f"DuckDB read {data!r}, csv_reader rejects it: {exc}")
        assert (table.header, table.separator) == (expected.header, expected.separator), data
        assert table.frame.rows() == expected.frame.rows(), data
    assert read_by_duckdb > 150  # a third of these odd files still go through DuckDB (199 of 600)


@pytest.mark.parametrize("corp", sorted(QUIRKS))
def test_which_quirks_need_the_polars_reader(tmp_path, corp):
    data, reason = QUIRKS[corp]
    path = tmp_path / f"{corp}.csv"
    path.write_bytes(data)
    table, why = read_with_duckdb(path, data, path.name)
    assert why == reason and (table is None) == (reason is not None)


def test_a_file_changed_after_it_was_hashed_is_read_from_the_hashed_bytes(tmp_path):
    path = tmp_path / "L0011.csv"
    data = _text("L0011").encode()
    path.write_bytes(data + b"2022-12-31;L0011\n")  # what DuckDB would see is not what was hashed
    assert read_with_duckdb(path, data, path.name) == (None, "file changed")


def test_a_path_with_glob_characters_is_read_by_polars(tmp_path):
    data = _text("L0011").encode()
    (tmp_path / "L0011.csv").write_bytes(data + data)
    path = tmp_path / "L001[1].csv"  # as a pattern, it names L0011.csv
    path.write_bytes(data)
    assert read_with_duckdb(path, data, path.name) == (None, "glob characters in the path")


def _load(raw: Path, root: Path, reader: str) -> tuple[DataPaths, RegisterLoader]:
    shutil.copytree(raw, root / "raw")
    paths = DataPaths(root)
    loader = RegisterLoader(reader)
    with raw_connection(paths) as con:
        sync_files(con, loader, list_files(paths.register, paths.raw), full_refresh=True, flush_rows=400)
    return paths, loader


def test_the_raw_layer_is_the_same_with_either_reader(tmp_path, reference_dir):
    """Generated tiny data with its planted defects, the hostile files and every quirk above."""
    from pipelines.generate import generate
    from pipelines.reference_staging import stage_reference

    raw = tmp_path / "raw"
    stage_reference(DataPaths(tmp_path), source_dir=reference_dir, fetch_from_cbs=lambda n, t: ([], []),
                    require_corporations=False)
    generate("tiny", 7, raw, defects=True)
    folder = raw / FOLDER
    for name, content in hostile_files().items():
        (folder / name).write_bytes(content)
    for corp, (data, _) in QUIRKS.items():
        (folder / f"{corp}.csv").write_bytes(data)
    # a short last line: DuckDB refuses it, csv_reader reads the missing fields as empty
    (folder / " L0011\u00a0.csv").write_bytes(QUIRKS["L0011"][0] + b"2022-12-31;l0011;K9\n")

    polars_paths, _ = _load(raw, tmp_path / "polars", "polars")
    duckdb_paths, loader = _load(raw, tmp_path / "duckdb", "duckdb")
    result = compare(str(polars_paths.raw_db), str(duckdb_paths.raw_db))
    assert all(only_a == only_b == 0 for _, only_a, only_b in result.values()), result
    assert result["register_units (as stored)"][0] > 900 and result["load_findings"][0] >= 10
    readers = dict(loader.readers)
    assert readers["duckdb"] > 10, readers
    assert {"polars: windows-1252", "polars: utf-16", "polars: nul byte", "polars: quote inside a field",
            "polars: blank lines or a value over several lines", "polars: carriage return inside a line",
            "polars: duckdb: InvalidInputException"} <= set(readers), readers
