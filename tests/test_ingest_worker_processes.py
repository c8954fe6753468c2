"""Workbooks parsed in worker processes load exactly what one process loads, rejections included."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil

from ingest_support import META, ROWS, data_root, query, write_workbook
from pipelines.ingest import ingest_all
from pipelines.ingest import load_log
from pipelines.ingest.files import FileRejected, Parsed, SourceFile

AGREEMENT_TABLES = ["raw.agreement_workbooks", "raw.agreement_rows", "raw.load_findings"]


def _workbooks(paths) -> None:
    """Good workbooks and every way of rejecting one, in the order the load meets them."""
    folder = paths.agreements
    for i in range(8):
        meta = {**META, "versie": i + 1, "datum_ondertekening": META["datum_ondertekening"]}
        rows = [[c, 2023 + i % 3, ind, value * (i + 1), note] for c, _, ind, value, note in ROWS]
        write_workbook(folder / f"gemeente_{i:02d}.xlsx", meta=meta, rows=rows)
    shutil.copyfile(folder / "gemeente_03.xlsx", folder / "gemeente_03_kopie.xlsx")  # F5
    write_workbook(folder / "geen_prestaties.xlsx", sheets=("Afspraak", "Overig"))  # F2
    write_workbook(folder / "met_notities.xlsx", extra_sheet="Notities")  # F4, loaded
    write_workbook(folder / "foute_waarde.xlsx", rows=[["L0001", 2023, "nieuwbouw", "veel", None]])
    (folder / "afgebroken.xlsx").write_bytes((folder / "gemeente_00.xlsx").read_bytes()[:700])  # F1
    (folder / "oud_formaat.xls").write_bytes(b"\xd0\xcf\x11\xe0 not a workbook")  # F1, not .xlsx


def _agreement_state(paths) -> dict[str, list]:
    state = {t: sorted(query(paths, f"select * from {t}"), key=repr) for t in AGREEMENT_TABLES}
    state["load_log"] = sorted(query(paths, "select * exclude (loaded_at) from raw.load_log where kind = 'agreement'"))
    return state


class _CountingPool(load_log.ProcessPoolExecutor):
    submitted = 0

    def submit(self, *args, **kwargs):
        _CountingPool.submitted += 1
        return super().submit(*args, **kwargs)


def test_worker_processes_load_what_one_process_loads(tmp_path, monkeypatch):
    one, many = data_root(tmp_path / "one"), data_root(tmp_path / "many")
    _workbooks(one)
    shutil.rmtree(many.agreements)
    shutil.copytree(one.agreements, many.agreements)

    monkeypatch.setattr(load_log, "PROCESS_POOL_MIN_FILES", 10**9)
    alone = ingest_all(one)
    monkeypatch.setattr(load_log, "PROCESS_POOL_MIN_FILES", 2)
    monkeypatch.setattr(load_log, "ProcessPoolExecutor", _CountingPool)
    monkeypatch.setattr(load_log, "_usable_cores", lambda: 2)  # a one-core CI machine too
    _CountingPool.submitted = 0
    pooled = ingest_all(many)

    assert _CountingPool.submitted >= 14  # every workbook to parse went to a worker
    assert pooled.results["agreements"].parsed == alone.results["agreements"].parsed == 14
    state = _agreement_state(one)
    assert _agreement_state(many) == state
    statuses = {path: status for path, _, _, _, status, _ in state["load_log"]}
    assert statuses["agreements/oud_formaat.xls"] == statuses["agreements/afgebroken.xlsx"] == "rejected"
    assert statuses["agreements/gemeente_03_kopie.xlsx"] == "rejected"  # F5: same as gemeente_03
    assert sum(s == "loaded" for s in statuses.values()) >= 10
    codes = {code for code, *_ in state["raw.load_findings"]}
    assert {"F1", "F2", "F4", "F5"} <= codes


class _OddError(Exception):
    def __init__(self, a, b):  # Exception's pickling would call _OddError("x/y"): a TypeError
        super().__init__(f"{a}/{b}")


class _RaisesOdd:
    def parse(self, source, data):
        raise _OddError("x", "y")


def test_an_error_from_a_worker_comes_back_as_the_rejection_one_process_writes(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"anything")
    source = SourceFile(path=path, rel="agreements/a.xlsx")
    sha, parsed = pickle.loads(pickle.dumps(load_log._read_and_parse_in_worker(_RaisesOdd, source)))
    assert sha is not None
    assert isinstance(parsed, FileRejected)
    assert (parsed.code, parsed.message) == ("F1", "agreements/a.xlsx: cannot be read: x/y")
    assert parsed.message == load_log._unforeseen(source, _OddError("x", "y")).message

    back = pickle.loads(pickle.dumps(FileRejected("F3", "L0001.csv: row 4: wrong date", rows_read=7)))
    assert (back.code, back.message, back.rows_read) == ("F3", "L0001.csv: row 4: wrong date", 7)


class _DiesInWorker:
    """parse() kills a worker process (as the out-of-memory killer would); here it parses."""

    parse_in_processes = True

    def parse(self, source, data):
        if multiprocessing.parent_process() is not None:
            os._exit(3)
        return Parsed(rows_read=len(data), payload=data)


def test_a_worker_that_dies_leaves_the_files_to_this_process(tmp_path, monkeypatch):
    monkeypatch.setattr(load_log, "_usable_cores", lambda: 2)
    monkeypatch.setattr(load_log, "PROCESS_POOL_MIN_FILES", 1)
    sources = []
    for i in range(4):
        path = tmp_path / f"f{i}.xlsx"
        path.write_bytes(b"x" * (i + 1))
        sources.append(SourceFile(path=path, rel=f"agreements/f{i}.xlsx"))
    ahead = load_log._ReadAhead(_DiesInWorker(), sources)
    try:
        assert ahead._in_processes
        results = [ahead.result(s) for s in sources]
    finally:
        ahead.close()
    assert [parsed.rows_read for _, parsed in results] == [1, 2, 3, 4]
