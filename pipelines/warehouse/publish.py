"""Publish the marts as a release analysts can read while the next one is being built.

Layout under `data/marts/`:

    releases/<release_id>/warehouse.duckdb     one DuckDB file per release, schema `marts`
    releases/<release_id>/parquet/<table>.parquet
    releases/<release_id>/release.json         what the release was built from (build_inputs.py)
    releases/<release_id>/warehouse.stamp.json size, mtime and sha256 of its warehouse.duckdb
    current -> releases/<release_id>           replaced by one rename(2): the atomic step
    warehouse.duckdb -> current/warehouse.duckdb
    parquet -> current/parquet

A release is written in a `.partial` folder, completed, then renamed; only then is `current`
swapped. A published file is never opened for writing, so an analyst holding one open (even
read-write) never blocks a run and never sees a half-built warehouse. Old releases are pruned,
never the current one nor the one just replaced (it may still be read).

What an analyst's writes become: a read-write connection to `warehouse.duckdb` writes into the
file of the release the link pointed at when it was opened, and that release's own WAL
(`releases/<id>/warehouse.duckdb.wal`: DuckDB 2.0 resolves the link and keeps the WAL beside the
real file, also when the analyst's process crashes). A new release is always written from the
build database, never from a published file, so those writes never reach a later release; they
stay in the old release folder until it is pruned (after `KEEP_RELEASES` newer ones), then they
are gone. Writes into the *current* release make the next nightly rebuild and publish even when
its inputs did not change (`changed_since_published`, asked by the gate in assets.py), so they are
never served as the published marts for longer than until the next run. A WAL *beside the link* (`marts/warehouse.duckdb.wal`, as a client that does not resolve
links would leave it) would be replayed into whatever release the link points at next, so the
publish moves it into the release it was written against first (`_move_wal_beside_link`), under a
name no client replays.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.operations.stage_hooks import pause_point
from pipelines.warehouse.build_inputs import RELEASE_MANIFEST

MARTS_SCHEMA = "marts"
RELEASES_DIR = "releases"
CURRENT_LINK = "current"
KEEP_RELEASES = 3
WAREHOUSE_STAMP = "warehouse.stamp.json"  # size, mtime and sha256 of warehouse.duckdb as published


@dataclass(frozen=True)
class Release:
    release_id: str
    path: Path
    tables: dict[str, int]  # table -> row count


def release_id_for(run_id: str, now: dt.datetime) -> str:
    """Sortable by time, unique per run: `20261128T020000Z-1a2b3c4d`."""
    return f"{now.astimezone(dt.timezone.utc):%Y%m%dT%H%M%SZ}-{run_id[:8]}"


def write_release(
    build_db: Path, release_dir: Path, tables: list[str] | None = None, about: dict | None = None
) -> dict[str, int]:
    """Copy the `marts` schema of `build_db` into a new DuckDB file and Parquet files.

    Rows are written in a stable order so that two runs on the same inputs produce the same files
    (apart from audit columns).
    """
    release_dir.mkdir(parents=True)
    (release_dir / "parquet").mkdir()
    con = duckdb.connect(str(release_dir / "warehouse.duckdb"))
    counts: dict[str, int] = {}
    try:
        con.execute(f"attach '{_sql_path(build_db)}' as build (read_only)")
        available = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'build' and table_schema = ? and table_type = 'BASE TABLE' "
                "order by table_name",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        wanted = available if tables is None else [t for t in tables if t in available]
        missing = sorted(set(tables or []) - set(available))
        if missing:
            raise RuntimeError(f"cannot publish: marts missing from the build: {', '.join(missing)}")
        con.execute(f"create schema {MARTS_SCHEMA}")
        for table in wanted:
            con.execute(
                f"create table {MARTS_SCHEMA}.{table} as "
                f"select * from build.{MARTS_SCHEMA}.{table} order by all"
            )
            counts[table] = con.execute(f"select count(*) from {MARTS_SCHEMA}.{table}").fetchone()[0]
            target = release_dir / "parquet" / f"{table}.parquet"
            con.execute(f"copy {MARTS_SCHEMA}.{table} to '{_sql_path(target)}' (format parquet)")
            pause_point("publish.writing_release")  # crash tests: one table written, the others not
        con.execute("detach build")
        con.execute("checkpoint")
    finally:
        con.close()
    manifest = {**(about or {}), "tables": counts}
    # what the published file is, to notice later writes to it (changed_since_published)
    (release_dir / WAREHOUSE_STAMP).write_text(json.dumps(_file_stamp(release_dir / "warehouse.duckdb")) + "\n")
    (release_dir / RELEASE_MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return counts


def publish(
    build_db: Path, marts_dir: Path, release_id: str, tables: list[str] | None = None, about: dict | None = None
) -> Release:
    """Write a release aside and swap it in atomically. Returns the published release.

    `about` goes into the release's `release.json` (run id, build inputs fingerprint, ...)."""
    releases = marts_dir / RELEASES_DIR
    releases.mkdir(parents=True, exist_ok=True)
    final = releases / release_id
    if final.exists():
        raise FileExistsError(f"release {release_id} already exists in {releases}")
    partial = releases / f".{release_id}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    counts = write_release(build_db, partial, tables, {"release_id": release_id, **(about or {})})
    _fsync_tree(partial)
    partial.rename(final)
    pause_point("publish.before_swap")  # crash tests: release complete, not yet current
    previous = current_release(marts_dir)
    _move_wal_beside_link(marts_dir, previous)
    swap_current(marts_dir, final)
    ensure_entry_links(marts_dir)
    prune_releases(marts_dir, keep={final.name, previous.name if previous else ""})
    return Release(release_id, final, counts)


def swap_current(marts_dir: Path, release_path: Path) -> None:
    """Point `current` at `release_path` with a single rename (atomic on POSIX)."""
    link = marts_dir / CURRENT_LINK
    tmp = marts_dir / f".{CURRENT_LINK}.{os.getpid()}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(Path(RELEASES_DIR) / release_path.name)
    os.replace(tmp, link)


def _move_wal_beside_link(marts_dir: Path, previous: Path | None) -> list[Path]:
    """Move WAL files beside the entry link into the release they were written against.

    Done before the swap, so no reader of the new release can find one. The name they get
    (`warehouse.duckdb.wal.beside-link-<time>`) is one DuckDB never opens: the writes they hold are
    kept for the analyst to recover by hand, not replayed into anything. Returns where they went."""
    moved = []
    for stray in sorted(marts_dir.glob("warehouse.duckdb.wal*")):
        if not stray.is_file() or stray.is_symlink():
            continue
        home = previous if previous is not None and previous.is_dir() else marts_dir / RELEASES_DIR
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        target = home / f"{stray.name.replace('warehouse.duckdb.wal', 'warehouse.duckdb.wal.beside-link')}-{stamp}"
        os.replace(stray, target)
        moved.append(target)
    return moved


def ensure_entry_links(marts_dir: Path) -> None:
    """The stable paths analysts use; they resolve through `current`, so they never change."""
    for name, target in (("warehouse.duckdb", "current/warehouse.duckdb"), ("parquet", "current/parquet")):
        entry = marts_dir / name
        if entry.is_symlink() and os.readlink(entry) == target:
            continue
        if entry.exists() and not entry.is_symlink():
            raise RuntimeError(f"{entry} is a regular file, not the release link; move it away")
        tmp = marts_dir / f".{name}.tmp"
        if tmp.is_symlink():
            tmp.unlink()
        tmp.symlink_to(target)
        os.replace(tmp, entry)


def current_release(marts_dir: Path) -> Path | None:
    link = marts_dir / CURRENT_LINK
    return link.resolve() if link.is_symlink() else None


def prune_releases(marts_dir: Path, keep: set[str], max_releases: int = KEEP_RELEASES) -> list[str]:
    """Remove the oldest complete releases beyond `max_releases` and stale `.partial` folders."""
    releases = marts_dir / RELEASES_DIR
    removed = []
    for stale in releases.glob(".*.partial"):
        shutil.rmtree(stale, ignore_errors=True)
        removed.append(stale.name)
    complete = sorted(p for p in releases.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in complete[: max(0, len(complete) - max_releases)]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old.name)
    return removed


def _file_stamp(path: Path, with_hash: bool = True) -> dict:
    stat = path.stat()
    stamp = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    if with_hash:
        import hashlib

        with path.open("rb") as fh:
            stamp["sha256"] = hashlib.file_digest(fh, "sha256").hexdigest()
    return stamp


def changed_since_published(release_dir: Path | None) -> str | None:
    """Why the release's warehouse file is no longer what was published (an analyst's read-write
    connection wrote to it), or None when it is untouched (or the release predates the record).

    The nightly's gate asks this: without it, writes made in the *current* release would stay
    published for everyone as long as the inputs do not change. Size and mtime decide at once
    when they match (a read-write connection that writes nothing changes neither); else the
    sha256 decides (a copied data root keeps the content, not always the mtime)."""
    if release_dir is None or not (release_dir / WAREHOUSE_STAMP).is_file():
        return None
    try:
        recorded = json.loads((release_dir / WAREHOUSE_STAMP).read_text())
    except ValueError:
        return f"{release_dir / WAREHOUSE_STAMP} is unreadable"
    db = release_dir / "warehouse.duckdb"
    if (release_dir / "warehouse.duckdb.wal").exists():
        return f"{db} has writes in a WAL beside it (a read-write connection, open or crashed)"
    if not db.is_file():
        return f"{db} is missing"
    now = _file_stamp(db, with_hash=False)
    if now["size"] == recorded["size"] and now["mtime_ns"] == recorded["mtime_ns"]:
        return None
    if _file_stamp(db)["sha256"] == recorded.get("sha256"):
        return None
    return f"{db} was written to after it was published (a read-write connection)"


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
