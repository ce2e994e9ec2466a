"""Connections to the analytics database, DuckDB or PostgreSQL, behind one small interface.

The loader needs little SQL of its own (the watermark, the audit rows, status queries),
so rather than an ORM this is a thin wrapper: one ``query``/``execute`` pair whose SQL is
written once with ``%s`` placeholders and runs on both targets.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import dlt
import duckdb
import psycopg2
from dlt.common.destination import Destination
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.destinations.impl.postgres.configuration import PostgresCredentials

from loader.ops.redaction import redact
from loader.settings import Settings

logger = logging.getLogger(__name__)

#: dlt's postgres credentials insist on a password even under trust auth.
_PLACEHOLDER_PASSWORD = "unused-under-trust-auth"


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or opened; the message says where and why."""


class Database:
    """One open connection; ``%s`` placeholders on both targets."""

    def __init__(self, settings: Settings, read_only: bool = False) -> None:
        self.settings = settings
        self.target = settings.target
        if self.target == "duckdb":
            try:
                self._duck = open_duckdb(settings, read_only=read_only)
            except duckdb.Error as error:
                raise unavailable(settings, error) from None
        else:
            self._pg = connect_postgres(settings)
            if read_only:
                self._pg.set_session(readonly=True, autocommit=True)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.query(sql, params, fetch=False)

    def query(self, sql: str, params: Sequence[Any] = (), fetch: bool = True) -> list[tuple[Any, ...]]:
        if self.target == "duckdb":
            cursor = self._duck.execute(sql.replace("%s", "?"), list(params))
            return cursor.fetchall() if fetch else []
        with self._pg.cursor() as pg_cursor:
            pg_cursor.execute(sql, tuple(params))
            return pg_cursor.fetchall() if fetch else []

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def table_exists(self, schema: str, table: str) -> bool:
        return bool(
            self.scalar(
                "select count(*) from information_schema.tables where table_schema = %s and table_name = %s",
                (schema, table),
            )
        )

    def column_exists(self, schema: str, table: str, column: str) -> bool:
        return bool(
            self.scalar(
                "select count(*) from information_schema.columns "
                "where table_schema = %s and table_name = %s and column_name = %s",
                (schema, table, column),
            )
        )

    def close(self) -> None:
        if self.target == "duckdb":
            self._duck.close()
        else:
            self._pg.close()


def duckdb_settings(settings: Settings) -> dict[str, str]:
    """The DuckDB settings every connection of the project applies once connected: the
    loader's, dlt's (``global_config``) and dbt-duckdb's (``settings`` in profiles.yml).

    Connections pass no configuration when they connect: a run holds the file through one
    connection from start to end (loader.ops.lock), and DuckDB lets a process open more
    connections to a file only with the configuration the first one was opened with, which
    dlt's is not. DuckDB's buffer manager would otherwise take up to 80% of the memory.
    """
    return {"memory_limit": settings.duckdb_memory_limit}


def open_duckdb(settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the DuckDB file with the project's settings applied."""
    connection = duckdb.connect(str(settings.duckdb_path), read_only=read_only)
    for name, value in duckdb_settings(settings).items():
        connection.execute(f"set {name} = '{value}'")
    return connection


def connect_postgres(settings: Settings) -> psycopg2.extensions.connection:
    """An autocommit connection to ``DATABASE_URL``, or DatabaseUnavailable in one sentence."""
    assert settings.postgres is not None, "NBA_TARGET=postgres parses DATABASE_URL"
    try:
        connection = psycopg2.connect(**{"connect_timeout": 10, **settings.postgres.keywords()})
    except psycopg2.Error as error:
        raise unavailable(settings, error) from None
    connection.autocommit = True
    return connection


def unavailable(settings: Settings, error: BaseException) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        f"Cannot open the {settings.target} database at {settings.database_label}: {first_line(error)}"
    )


@contextmanager
def connect(settings: Settings, read_only: bool = False) -> Iterator[Database]:
    """Open, yield and always close: DuckDB allows one writer per file, so hold it briefly."""
    database = Database(settings, read_only=read_only)
    try:
        yield database
    finally:
        database.close()


def dlt_destination(settings: Settings) -> Destination:
    """The dlt destination for the target, configured from the same settings as dbt."""
    if settings.target == "duckdb":
        credentials = DuckDbCredentials(
            str(settings.duckdb_path), global_config=duckdb_settings(settings)
        )
        return dlt.destinations.duckdb(credentials=credentials)
    assert settings.postgres is not None, "NBA_TARGET=postgres parses DATABASE_URL"
    connection = settings.postgres
    postgres = PostgresCredentials()
    postgres.host, postgres.port, postgres.username = connection.host, connection.port, connection.user
    postgres.password = connection.password or _PLACEHOLDER_PASSWORD
    postgres.database = connection.dbname
    options = dict(connection.options)
    if "connect_timeout" in options:
        postgres.connect_timeout = int(options.pop("connect_timeout"))
    postgres.query = options
    return dlt.destinations.postgres(credentials=postgres)


def first_line(error: BaseException) -> str:
    """An error's first line, redacted: what a one-sentence message quotes of it."""
    text = str(error).strip().splitlines()
    return redact(text[0]) if text else type(error).__name__
