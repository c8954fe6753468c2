"""The incremental load: which files to parse, which rows to replace, and raw.load_log.

Per kind of file (register, agreement, target, reference), in one transaction:
- every present file gets its sha256;
- a file whose sha256 equals the one of its last successful load (status `loaded`/`unchanged`)
  is not parsed again: status `unchanged`, its rows and findings stay;
- every other file (new, changed, earlier rejected, back after removal) has its old rows and
  load findings deleted and is parsed again: `loaded`, or `rejected` with the error text and its
  finding (F1-F3) in raw.load_findings. A rejected file never leaves rows;
- a file in the log that is no longer there: rows and findings deleted, status `removed`;
- same content under another name (F5): one copy is loaded, the others get status `rejected` with
  an F5 warning naming the copy that was loaded. The copy loaded is the one already loaded in an
  earlier run if there is one, else the first by path (sorted) that is accepted.
One bad file never stops the run: any error while reading a file rejects that file only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import time
from collections import OrderedDict, defaultdict, deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Protocol

import polars as pl

from pipelines.ingest.files import FileRejected, Finding, Parsed, SourceFile, sha256_of
from pipelines.operations.stage_hooks import pause_point, pause_requested

STATUSES = ("loaded", "unchanged", "rejected", "removed")
PAUSE_BETWEEN_FILES = "ingest.between_files"
# below this many files to parse, starting worker processes (about 0.25 s) costs more than it saves:
# a national workbook parses in about 3 ms (1,107 of them: 3.3 s in one process, 1.75 s in two)
PROCESS_POOL_MIN_FILES = 200


class Loader(Protocol):
    kind: str
    tables: tuple[str, ...]

    def parse(self, source: SourceFile, data: bytes) -> Parsed: ...

    def stage(self, source: SourceFile, parsed: Parsed) -> None: ...

    def pending(self) -> int: ...

    def flush(self, con) -> int: ...

    # optional: a loader that writes in the background (register.RegisterLoader) also has
    # finish(con), called after the last flush and before the commit, and abort(), called
    # before a rollback; until either returns, the connection belongs to the loader.
    # optional flags for parse() (see _ReadAhead): `parse_in_background`, a pure function of the
    # bytes, may run in a worker thread; `parse_in_processes`, one that uses none of the loader's
    # state either, may run in a fresh loader (made without arguments) in worker processes.


@dataclass
class LogEntry:
    file_path: str
    sha256: str | None
    kind: str
    rows_read: int | None
    status: str
    error: str | None
    loaded_at: dt.datetime | None


@dataclass
class KindResult:
    """What one kind's load did; `parsed` counts files actually read and parsed this time."""

    kind: str
    entries: list[LogEntry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rows_inserted: int = 0
    parsed: int = 0
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for entry in self.entries:
            out[entry.status] += 1
        return out

    def rejected(self) -> list[tuple[str, str]]:
        return [(e.file_path, e.error or "") for e in self.entries if e.status == "rejected"]

    def rows_current(self) -> int:
        return sum(e.rows_read or 0 for e in self.entries if e.status in ("loaded", "unchanged"))


def _previous(con, kind: str) -> dict[str, LogEntry]:
    rows = con.execute(
        "select file_path, sha256, kind, rows_read, status, error, loaded_at from raw.load_log where kind = ?",
        [kind],
    ).fetchall()
    return {r[0]: LogEntry(*r) for r in rows}


def sync_files(
    con, loader: Loader, files: list[SourceFile], full_refresh: bool = False, flush_rows: int = 750_000
) -> KindResult:
    """Bring the raw tables of `loader.kind` in line with `files` (see module doc)."""
    started = time.perf_counter()
    kind = loader.kind
    now = dt.datetime.now().replace(microsecond=0)
    result = KindResult(kind=kind)
    previous = _previous(con, kind)

    unreadable: dict[str, str] = {}
    for source in files:
        if source.refused:  # a link out of the raw folder (files.py): never opened
            unreadable[source.rel] = source.refused
            continue
        try:
            source.sha256, source.size = sha256_of(source.path)
        except OSError as exc:
            unreadable[source.rel] = f"{source.rel}: cannot be read: {exc.strerror or exc}"

    def was_loaded_as(source: SourceFile) -> bool:
        prev = previous.get(source.rel)
        return (
            prev is not None
            and prev.status in ("loaded", "unchanged")
            and prev.sha256 == source.sha256
            and source.rel not in unreadable
        )

    keep = set() if full_refresh else {f.rel for f in files if was_loaded_as(f)}
    groups: dict[str, list[SourceFile]] = defaultdict(list)
    for source in files:
        if source.rel not in unreadable:
            groups[source.sha256].append(source)
    winner: dict[str, str] = {}  # sha256 -> path whose rows hold that content
    for sha, members in groups.items():
        kept = [m.rel for m in members if m.rel in keep]
        if kept:
            winner[sha] = kept[0]
            keep.difference_update(kept[1:])  # two kept copies cannot happen; if they do, reload

    present = {f.rel for f in files}
    redo = (present | {p for p, e in previous.items() if e.status != "removed"}) - keep

    # the files to parse, in order; a loader whose parse() is a pure function of the bytes has them
    # read and parsed a few files ahead by a worker thread while this one writes
    to_parse = [
        f for f in files
        if f.rel not in keep and f.rel not in unreadable and winner.get(f.sha256, f.rel) == f.rel
    ]
    ahead = _ReadAhead(loader, to_parse)
    con.execute("begin transaction")
    try:
        if redo:
            con.register("npa_redo", pl.DataFrame({"file_path": sorted(redo)}, schema={"file_path": pl.String}))
            for table in (*loader.tables, "raw.load_findings"):
                con.execute(f"delete from {table} where source_file in (select file_path from npa_redo)")
            con.unregister("npa_redo")

        for source in files:
            if source.rel in keep:
                prev = previous[source.rel]
                result.entries.append(
                    LogEntry(source.rel, source.sha256, kind, prev.rows_read, "unchanged", None, prev.loaded_at)
                )
                continue
            if source.rel in unreadable:
                _reject(result, source, kind, now, FileRejected("F1", unreadable[source.rel]))
                continue
            first = winner.get(source.sha256)
            if first is not None and first != source.rel:
                detail = (
                    f"{source.rel}: same content (sha256 {source.sha256[:12]}…) as {first}; "
                    f"not loaded, the rows come from {first}"
                )
                result.findings.append(Finding("F5", "warning", source.rel, detail, source.rel))
                result.entries.append(
                    LogEntry(source.rel, source.sha256, kind, 0, "rejected", f"F5 (warning): {detail}", now)
                )
                continue
            result.parsed += 1
            try:
                sha, parsed = ahead.result(source)
                source.sha256 = sha or source.sha256
                if isinstance(parsed, BaseException):
                    raise parsed
            except FileRejected as exc:
                _reject(result, source, kind, now, exc)
                continue
            except Exception as exc:  # a reader bug or a file nobody foresaw: reject it, go on
                _reject(result, source, kind, now, _unforeseen(source, exc))
                continue
            winner[source.sha256] = source.rel
            loader.stage(source, parsed)
            result.findings.extend(parsed.findings)
            result.entries.append(LogEntry(source.rel, source.sha256, kind, parsed.rows_read, "loaded", None, now))
            if loader.pending() >= flush_rows:
                result.rows_inserted += loader.flush(con)
            if result.parsed == 1 and pause_requested(PAUSE_BETWEEN_FILES):
                # crash tests stop here: the first file's rows are written, not yet committed
                result.rows_inserted += loader.flush(con)
                pause_point(PAUSE_BETWEEN_FILES)
        result.rows_inserted += loader.flush(con)
        if hasattr(loader, "finish"):
            loader.finish(con)

        for path, prev in sorted(previous.items()):
            if path not in present and prev.status != "removed":
                result.entries.append(LogEntry(path, prev.sha256, kind, 0, "removed", None, now))

        _write_log(con, result)
        con.execute("commit")
    except BaseException:
        ahead.close()
        if hasattr(loader, "abort"):
            loader.abort()
        con.execute("rollback")
        raise
    ahead.close()
    result.seconds = time.perf_counter() - started
    return result


def _unforeseen(source: SourceFile, exc: Exception) -> FileRejected:
    """The F1 rejection for an error no reader turned into one itself."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return FileRejected("F1", f"{source.rel}: cannot be read: {message}")


def _read_and_parse(loader: Loader, source: SourceFile) -> tuple[str | None, Parsed | BaseException]:
    """(sha256 of exactly the bytes parsed, or None when unread; the Parsed or the exception)."""
    sha = None
    try:
        data = source.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        return sha, loader.parse(source, data)
    except Exception as exc:  # handed to the caller, which rejects the file
        return sha, exc


_worker_loaders: dict[type, Loader] = {}


def _read_and_parse_in_worker(loader_type: type, source: SourceFile) -> tuple[str | None, Parsed | BaseException]:
    """_read_and_parse in a worker process, with every error already a FileRejected: any other
    exception might not survive the trip back (unpicklable), and would then reject the file
    with the pickling error instead of its own."""
    loader = _worker_loaders.get(loader_type)
    if loader is None:
        loader = _worker_loaders[loader_type] = loader_type()
    sha, parsed = _read_and_parse(loader, source)
    if isinstance(parsed, Exception) and not isinstance(parsed, FileRejected):
        parsed = _unforeseen(source, parsed)
    return sha, parsed


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _ReadAhead:
    """Reads and parses `sources` in their order, up to `depth` files ahead, in workers.

    Which workers the loader allows (see Loader): worker processes, one per core, when it has
    `parse_in_processes` and at least PROCESS_POOL_MIN_FILES files wait (calamine, the workbook
    reader, holds the GIL); else one worker thread when it has `parse_in_background` (polars and
    hashlib release the GIL, and so does DuckDB while it writes the previous batch, so reading and
    writing overlap); else none. Asked for a source, it drops what it read ahead of the sources
    before it (skipped, e.g. a copy of a file loaded in this run, F5). A source it does not hold
    (or any source, without workers) is read and parsed right there. Should a worker process die
    (killed, out of memory), the rest is parsed here, as without workers.
    """

    def __init__(self, loader: Loader, sources: list[SourceFile], depth: int = 32) -> None:
        self._loader = loader
        self._depth = depth
        self._pending: OrderedDict[str, Future] = OrderedDict()
        self._queue: deque[SourceFile] = deque()
        self._pool: Executor | None = None
        self._in_processes = False
        cores = _usable_cores()
        if len(sources) > 1 and getattr(loader, "parse_in_processes", False) \
                and len(sources) >= PROCESS_POOL_MIN_FILES and cores > 1:
            # forkserver, not fork: this process has threads (Dagster's, DuckDB's), a forked child
            # could inherit a lock some other thread held
            self._pool = ProcessPoolExecutor(max_workers=cores, mp_context=multiprocessing.get_context("forkserver"))
            self._in_processes = True
        elif len(sources) > 1 and getattr(loader, "parse_in_background", False):
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="npa-read")
        if self._pool is not None:
            self._queue.extend(sources)
        self._fill()

    def _submit(self, source: SourceFile) -> Future:
        if self._in_processes:
            return self._pool.submit(_read_and_parse_in_worker, type(self._loader), source)
        return self._pool.submit(_read_and_parse, self._loader, source)

    def _fill(self) -> None:
        while self._pool is not None and self._queue and len(self._pending) < self._depth:
            source = self._queue.popleft()
            self._pending[source.rel] = self._submit(source)

    def result(self, source: SourceFile) -> tuple[str | None, Parsed | BaseException]:
        future = None
        if source.rel in self._pending:
            while future is None:
                rel, candidate = self._pending.popitem(last=False)
                if rel == source.rel:
                    future = candidate
                else:
                    candidate.cancel()
        elif any(s.rel == source.rel for s in self._queue):
            for candidate in self._pending.values():  # everything read ahead came before this source
                candidate.cancel()
            self._pending.clear()
            while self._queue.popleft().rel != source.rel:
                pass
        self._fill()
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool:
                self.close()
        return _read_and_parse(self._loader, source)

    def close(self) -> None:
        self._queue.clear()
        if self._pool is not None:
            for future in self._pending.values():
                future.cancel()
            self._pool.shutdown(wait=True)
            self._pool = None
        self._pending.clear()


def _reject(result: KindResult, source: SourceFile, kind: str, now: dt.datetime, exc: FileRejected) -> None:
    result.findings.append(Finding(exc.code, "error", source.rel, exc.message, source.rel))
    result.entries.append(
        LogEntry(source.rel, source.sha256 or None, kind, exc.rows_read, "rejected", f"{exc.code}: {exc.message}", now)
    )


def _write_log(con, result: KindResult) -> None:
    if result.entries:
        log = pl.DataFrame(
            [e.__dict__ for e in result.entries],
            schema={
                "file_path": pl.String,
                "sha256": pl.String,
                "kind": pl.String,
                "rows_read": pl.Int64,
                "status": pl.String,
                "error": pl.String,
                "loaded_at": pl.Datetime("us"),
            },
            orient="row",
        )
        con.register("npa_log", log)
        con.execute("delete from raw.load_log where file_path in (select file_path from npa_log)")
        con.execute(
            "insert into raw.load_log (file_path, sha256, kind, rows_read, status, error, loaded_at) "
            "select file_path, sha256, kind, rows_read, status, error, loaded_at from npa_log"
        )
        con.unregister("npa_log")
    if result.findings:
        findings = pl.DataFrame(
            [f.__dict__ for f in result.findings],
            schema={
                "check_code": pl.String,
                "severity": pl.String,
                "entity": pl.String,
                "detail": pl.String,
                "source_file": pl.String,
                "source_row": pl.Int32,
            },
            orient="row",
        )
        con.register("npa_findings", findings)
        con.execute(
            "insert into raw.load_findings (check_code, severity, entity, detail, source_file, source_row) "
            "select check_code, severity, entity, detail, source_file, source_row from npa_findings"
        )
        con.unregister("npa_findings")
