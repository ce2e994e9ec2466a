"""One run at a time per database: a second ``nba-elt elt`` waits briefly or steps aside.

Two overlapping runs would interleave their merges and audits. On PostgreSQL the lock is a
session advisory lock, held by a connection of its own for the run's lifetime; on DuckDB it
is an ``flock`` on a file beside the database. Both vanish with the process that holds
them, so a run killed with SIGKILL never leaves a stale lock behind.

A PostgreSQL session lock also vanishes with its connection (a restarted pgbouncer, an idle
timeout, ``pg_terminate_backend``), while the run carries on. So a run proves it still holds
the lock (``RunLock.verify``) before it loads and before dbt builds: a run that lost it stops
there, rather than load beside the run that may have taken it since.

On DuckDB the run also holds the database file itself from start to end: one connection,
opened once readers (``nba-elt status``, the Pulse) have let go of the file, keeps DuckDB's
write lock in this process, and every other connection of the run (the loader's, dlt's,
dbt's) shares it. A reader then finds the file locked and says a run is in progress,
instead of the run finding a reader and failing.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import duckdb
import psycopg2

from loader.database import connect_postgres, first_line, open_duckdb
from loader.settings import Settings

logger = logging.getLogger(__name__)

#: pg_advisory_lock key: "nba-elt" as an integer, shared by every run on the database.
ADVISORY_LOCK_KEY = 0x6E62612D656C74
POLL_SECONDS = 0.5
#: How long a run waits for readers of the DuckDB file to let go: a status read takes well
#: under a second, so this is generous, and bounded.
READERS_WAIT_SECONDS = 30.0
_READER_POLL_SECONDS = 0.05


class RunInProgress(RuntimeError):
    """Another run holds the lock on this database."""


class LockLost(RuntimeError):
    """This run no longer holds its lock: another run may be loading; it stops."""


class RunLock:
    """The run lock as held: ``verify`` before each step that writes."""

    def __init__(self, settings: Settings, connection: psycopg2.extensions.connection | None = None) -> None:
        self._settings = settings
        self._connection = connection

    def verify(self, before: str) -> None:
        """Raise LockLost unless this run still holds its lock (PostgreSQL; on DuckDB the
        flock and the file stay with the process)."""
        if self._connection is None:
            return
        try:
            with self._connection.cursor() as cursor:
                cursor.execute(
                    "select count(*) from pg_locks where locktype = 'advisory' and granted "
                    "and pid = pg_backend_pid() and classid = %s and objid = %s",
                    (ADVISORY_LOCK_KEY >> 32, ADVISORY_LOCK_KEY & 0xFFFFFFFF),
                )
                row = cursor.fetchone()
            held = bool(row and row[0])
            cause = "the server no longer lists it"
        except psycopg2.Error as error:
            held, cause = False, f"its connection is gone ({first_line(error)})"
        if not held:
            raise LockLost(
                f"This run lost its lock on {self._settings.database_label} ({cause}): it stops before "
                f"{before}, since another run may hold the lock by now; the next run starts over."
            )


@contextmanager
def run_lock(settings: Settings, wait_seconds: float = 0.0) -> Iterator[RunLock]:
    """Hold the database's run lock for the block, or raise RunInProgress."""
    lock = _advisory_lock(settings, wait_seconds) if settings.target == "postgres" else \
        _file_lock(settings, wait_seconds)
    try:
        held = lock.__enter__()
    except _LockBusy:
        raise RunInProgress(
            f"Another run is in progress on {settings.database_label}; this one steps aside "
            "(set NBA_LOCK_WAIT to wait for it)."
        ) from None
    try:
        yield held
    finally:
        lock.__exit__(None, None, None)


def lock_path(settings: Settings) -> Path:
    return settings.duckdb_path.with_name(settings.duckdb_path.name + ".lock")


class _LockBusy(Exception):
    """The lock stayed taken for the whole wait."""


@contextmanager
def _file_lock(settings: Settings, wait_seconds: float) -> Iterator[RunLock]:
    handle: IO[str] = lock_path(settings).open("a")
    try:
        _retry_until(lambda: _try_flock(handle), wait_seconds)
        with _database_file_held(settings):
            yield RunLock(settings)
    finally:
        handle.close()  # closing the descriptor releases the flock


@contextmanager
def _database_file_held(settings: Settings) -> Iterator[None]:
    """One connection to the DuckDB file for the run, opened once no reader holds the file."""
    deadline = time.monotonic() + READERS_WAIT_SECONDS
    while True:
        try:
            connection = open_duckdb(settings)
            break
        except duckdb.IOException as error:
            if "lock" not in str(error).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(_READER_POLL_SECONDS)
    try:
        yield
    finally:
        connection.close()


def _try_flock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def _advisory_lock(settings: Settings, wait_seconds: float) -> Iterator[RunLock]:
    connection = connect_postgres(settings)

    def call(function: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(f"select {function}(%s)", (ADVISORY_LOCK_KEY,))
            row = cursor.fetchone()
            return bool(row and row[0])

    try:
        _retry_until(lambda: call("pg_try_advisory_lock"), wait_seconds)
        try:
            yield RunLock(settings, connection)
        finally:
            # Unlock explicitly: the server releases a closed session's locks only once its
            # backend has exited, and a run started right after this one could find it held.
            # A connection that died took its lock with it: nothing to release, and no
            # reason to turn the run's outcome into an error.
            try:
                call("pg_advisory_unlock")
            except psycopg2.Error as error:
                logger.warning("the run lock's connection was gone at the end (%s); its lock went with it",
                               first_line(error))
    finally:
        connection.close()


def _retry_until(attempt: Callable[[], bool], wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    while not attempt():
        if time.monotonic() >= deadline:
            raise _LockBusy()
        logger.info("another run holds the lock; waiting up to %.0f s", wait_seconds)
        time.sleep(POLL_SECONDS)
