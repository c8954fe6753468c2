"""Dagster's SQLite run history (`$DAGSTER_HOME/history`), without two fsyncs per event.

A nightly run writes well over a thousand events: a planned-materialization event for every
asset and asset check up front (340 here, most of them dbt models and tests), then each
materialization and check result. Dagster's SQLite event log opens a new connection for every
event, commits it with a full fsync and closes it, and closing the last connection checkpoints the
WAL: a second fsync. On this machine that was 24 s of a 40 s nightly run that had nothing to do.

This storage is the stock one with one difference in the event log: one pooled engine per database
file (a few kept open, least recently used closed) and `synchronous=NORMAL` in WAL mode; each write
touches the run's file so the webserver, which watches it, still follows a run live. Committed
events still survive a crash or kill of the process, which is what the history is for (a killed run
stays visible and is marked failed later); only an operating-system crash or power loss may lose the
last events before it. Same files, same layout: the webserver and daemon read it as before.

Configured in `pipelines/operations/dagster.yaml` (`storage: custom`).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS, create_db_conn_string
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage

OPEN_DATABASES = 8  # the index, the current run, and a few runs the webserver is showing


def _tune(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """The run-sharded SQLite event log, with pooled connections and no fsync per commit."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, db.engine.Engine] = OrderedDict()
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data)

    def _engine(self, shard: str) -> db.engine.Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = db.create_engine(
                create_db_conn_string(self._base_dir, shard),
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
                pool_size=1,
                max_overflow=4,
            )
            db.event.listen(engine, "connect", _tune)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
        self._engines[shard] = engine  # most recently used last
        while len(self._engines) > OPEN_DATABASES:
            _, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[db.engine.Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn

    def has_table(self, table_name: str) -> bool:
        # The stock one opens the index database anew for every call, and it is called for most
        # events (does asset_check_executions exist? asset_event_tags?): 308 calls, 0.45 s, in a
        # national nightly (`npa run --rebuild`).
        # A table that exists stays (migrations add tables); one that does not is asked again.
        if table_name in self._tables_present:
            return True
        present = super().has_table(table_name)
        if present:
            self._tables_present.add(table_name)
        return present

    def wipe(self) -> None:
        self._tables_present.clear()
        super().wipe()

    def store_event(self, event) -> None:
        super().store_event(event)
        # The webserver follows a run by watching its .db file for changes; with the connection kept
        # open the WAL is not checkpointed into that file per event any more, so say it changed.
        if event.run_id:
            try:
                os.utime(self.path_for_shard(event.run_id))
            except OSError:
                pass

    def dispose(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
        super().dispose()


class NpaSqliteStorage(DagsterSqliteStorage):
    """`storage: sqlite` with the pooled event log; base_dir is `$DAGSTER_HOME` as usual."""

    def __init__(self, base_dir: str, inst_data=None):
        super().__init__(base_dir, inst_data)
        self._event_log_storage = PooledSqliteEventLogStorage(os.path.join(base_dir, "history", "runs", ""))

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls.from_local(inst_data=inst_data, **config_value)
