"""The benchmark's contenders compute the same figures (bench/README.md).

On the generated `tiny` data set: the floor (bench/floor.py) and the pandas peer
(bench/pandas_peer.py) give the same national stock, realisation, commitments and coverage; the
x2 variant doubles the register figures exactly; the tree sampler sees a child's memory. When a
published warehouse from the pipeline is at hand for the same data (NPA_BENCH_PUBLISHED=<its data
root>), every mart the floor writes equals the published one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import floor, pandas_peer

SEED = 7


@pytest.fixture(scope="module")
def tiny_raw(tmp_path_factory, reference_dir: Path) -> Path:
    from pipelines.generate import generate

    raw = tmp_path_factory.mktemp("bench_tiny") / "raw"
    generate("tiny", SEED, raw, reference_dir=reference_dir)
    return raw


@pytest.fixture(scope="module")
def floor_result(tiny_raw: Path, reference_dir: Path, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("bench_floor")
    return floor.run(tiny_raw, out, reference_dir, jobs=1, pool=None) | {"out": out}


@pytest.fixture(scope="module")
def pandas_result(tiny_raw: Path, reference_dir: Path, tmp_path_factory) -> dict:
    return pandas_peer.run(tiny_raw, tmp_path_factory.mktemp("bench_pandas"), reference_dir)


def test_floor_and_pandas_agree_on_national_figures(floor_result: dict, pandas_result: dict):
    a, b = floor_result["national"], pandas_result["national"]
    assert a["stock"] and a["committed"] and a["realised"], a
    assert a["stock"] == b["stock"]
    assert a["committed"] == b["committed"]
    assert a["realised"] == b["realised"]
    assert (a["municipalities_signed"], a["municipalities"]) == (b["municipalities_signed"], b["municipalities"])


def test_floor_levels_add_up(floor_result: dict):
    import duckdb

    con = duckdb.connect(str(floor_result["out"] / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute("""
            select area_level, sum(n_dwellings) from marts.stock_by_area group by all order by all
        """).fetchall()
        committed = con.execute("""
            select area_level, round(sum(committed_value), 2) from marts.commitments_by_area group by all
        """).fetchall()
    finally:
        con.close()
    assert len({total for _, total in rows}) == 1, rows
    assert len({total for _, total in committed}) == 1, committed


def test_floor_with_polars_reader_agrees(tiny_raw: Path, reference_dir: Path, floor_result: dict, tmp_path):
    other = floor.run(tiny_raw, tmp_path, reference_dir, jobs=1, pool=None, register_reader="polars")
    assert other["national"] == floor_result["national"]


def test_twice_doubles_the_register(tiny_raw: Path, reference_dir: Path, floor_result: dict, tmp_path):
    from bench.twice import make_twice

    make_twice(tiny_raw, tmp_path / "raw")
    twice = floor.run(tmp_path / "raw", tmp_path / "out", reference_dir, jobs=1, pool=None)["national"]
    once = floor_result["national"]
    for date, figures in once["stock"].items():
        assert twice["stock"][date] == {k: 2 * v for k, v in figures.items()}
    assert twice["realised"] == {k: 2 * v for k, v in once["realised"].items()}
    assert twice["committed"] == once["committed"]


def test_tree_sampler_sees_a_child_and_grandchild():
    from bench.harness import Step, run_step

    code = ("import subprocess, sys; b = bytearray(80 * 2**20); "
            "subprocess.run([sys.executable, '-c', 'b = bytearray(60 * 2**20); import time; time.sleep(0.6)'])")
    result = run_step(Step("probe", [sys.executable, "-c", code]), "test", 1, Path(os.environ.get("TMPDIR", "/tmp")),
                      timeout=60, interval=0.02)
    assert result.ok, result.error
    assert result.peak_bytes > 140 * 2**20, result.peak_bytes


def test_failing_step_is_reported_not_raised(tmp_path):
    from bench.harness import Step, run_step

    result = run_step(Step("boom", [sys.executable, "-c", "import sys; print('bad input', file=sys.stderr); sys.exit(3)"]),
                      "test", 1, tmp_path, timeout=60, interval=0.05)
    assert not result.ok
    assert "exit code 3" in result.error and "bad input" in result.error


def test_floor_equals_published_marts(floor_result: dict):
    """Every mart the floor writes equals the published one, row for row, where a pipeline run on
    the same tiny data set (seed 7) is at hand: NPA_BENCH_PUBLISHED=<its data root>. (The pipeline
    takes far longer than this test may on its own: about 100 s on `tiny`, mostly fixed costs.)"""
    from bench.compare import compare

    root = os.environ.get("NPA_BENCH_PUBLISHED")
    if not root:
        pytest.skip("set NPA_BENCH_PUBLISHED to a data root the pipeline published the tiny seed-7 set into")
    result = compare(str(Path(root) / "marts" / "warehouse.duckdb"), str(floor_result["out"] / "warehouse.duckdb"))
    assert result and all(v[1:] == (0, 0) and v[0] >= 0 for v in result.values()), result


def test_bench_cli_help():
    out = subprocess.run([sys.executable, "-m", "bench", "--help"], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0 and "--scale" in out.stdout


def test_the_changed_share_changes_register_files_and_workbooks_and_leaves_the_cache(tiny_raw: Path, tmp_path):
    """2% of the files, chosen by seed, changed in a hard-linked copy: the same choice for the same
    seed, values still valid, the linked original untouched."""
    from bench.changes import LABELS, change_share, read_csv
    from bench.harness import link_tree

    copies = []
    for name in ("a", "b"):
        link_tree(tiny_raw, tmp_path / name)
        copies.append(change_share(tmp_path / name, 0.02, seed=3))
    assert copies[0] == copies[1] and copies[0]["register"] and copies[0]["agreements"]
    for rel in copies[0]["register"] + copies[0]["agreements"]:
        assert (tmp_path / "a" / rel).read_bytes() != (tiny_raw / rel).read_bytes()
    rows, _ = read_csv(tmp_path / "a" / copies[0]["register"][0])
    header = [h.strip().lower() for h in rows[0]]
    # both may be empty (not registered, not measured)
    assert {r[header.index("energielabel")] for r in rows[1:]} <= {*LABELS, ""}
    assert {int(r[header.index("conditiescore")]) for r in rows[1:] if r[header.index("conditiescore")]} <= set(range(1, 7))


def test_the_changed_nightly_has_its_ratio_to_the_floor():
    from bench.harness import CHANGED_STEP, Result, summarise

    results = [Result("national", step, 1, True, wall, 0, wall) for step, wall in
               (("pipeline", 30.0), ("floor", 10.0), ("pandas", 45.0), (CHANGED_STEP, 4.0))]
    table, ratios = summarise(results, ["national"], ["pipeline", "floor", "pandas", CHANGED_STEP])
    assert any(f"| national | {CHANGED_STEP} | 1/1 |" in line for line in table)
    assert "changed2pct/floor: 0.40   [CPU 0.40]" in ratios
