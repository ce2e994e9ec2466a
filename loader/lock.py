"""One run at a time per database: a second ``nba-elt elt`` waits briefly or steps aside.

Two overlapping runs would interleave their merges and audits. On PostgreSQL the lock is a
session advisory lock, held by a connection of its own for the run's lifetime; on DuckDB it
is an ``flock`` on a file beside the database. Both vanish with the process that holds
them, so a run killed with SIGKILL never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from loader.database import connect_postgres
from loader.settings import Settings

logger = logging.getLogger(__name__)

#: pg_advisory_lock key: "nba-elt" as an integer, shared by every run on the database.
ADVISORY_LOCK_KEY = 0x6E62612D656C74
POLL_SECONDS = 0.5


class RunInProgress(RuntimeError):
    """Another run holds the lock on this database."""


@contextmanager
def run_lock(settings: Settings, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the database's run lock for the block, or raise RunInProgress."""
    lock = _advisory_lock(settings, wait_seconds) if settings.target == "postgres" else \
        _file_lock(lock_path(settings), wait_seconds)
    try:
        lock.__enter__()
    except _LockBusy:
        raise RunInProgress(
            f"Another run is in progress on {settings.database_label}; this one steps aside "
            "(set NBA_LOCK_WAIT to wait for it)."
        ) from None
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def lock_path(settings: Settings) -> Path:
    return settings.duckdb_path.with_name(settings.duckdb_path.name + ".lock")


class _LockBusy(Exception):
    """The lock stayed taken for the whole wait."""


@contextmanager
def _file_lock(path: Path, wait_seconds: float) -> Iterator[None]:
    handle: IO[str] = path.open("a")
    try:
        _retry_until(lambda: _try_flock(handle), wait_seconds)
        yield
    finally:
        handle.close()  # closing the descriptor releases the flock


def _try_flock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def _advisory_lock(settings: Settings, wait_seconds: float) -> Iterator[None]:
    connection = connect_postgres(settings)

    def call(function: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(f"select {function}(%s)", (ADVISORY_LOCK_KEY,))
            row = cursor.fetchone()
            return bool(row and row[0])

    try:
        _retry_until(lambda: call("pg_try_advisory_lock"), wait_seconds)
        try:
            yield
        finally:
            # Unlock explicitly: the server releases a closed session's locks only once its
            # backend has exited, and a run started right after this one could find it held.
            call("pg_advisory_unlock")
    finally:
        connection.close()


def _retry_until(attempt: Callable[[], bool], wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    while not attempt():
        if time.monotonic() >= deadline:
            raise _LockBusy()
        logger.info("another run holds the lock; waiting up to %.0f s", wait_seconds)
        time.sleep(POLL_SECONDS)
