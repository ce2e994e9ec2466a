"""Shared fixtures: a database per test on each target, and the fake stats API.

Every test that touches a database runs on DuckDB (a temporary file) and on PostgreSQL
(a database of its own on 127.0.0.1, dropped afterwards). Under CI=true a PostgreSQL
that does not answer fails the suite; elsewhere those tests skip and say how to enable them.
"""

from __future__ import annotations

import gc
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg2
import pytest

from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.database import connect
from loader.settings import Settings, marts

FIXTURES = Path(__file__).parent / "fixtures" / "nba_stats"
ADMIN_URL = os.environ.get("NBA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
#: The password of the test databases' URLs: trust auth takes any, and the tests look for it
#: in every output, so it is one no message could contain by chance.
TEST_PASSWORD = "nba-elt-test-password"

#: The synthetic season most tests sync, and a night in the middle of it.
SEASON = "2024-25"
MID_SEASON = date(2024, 12, 1)



def _postgres_or_skip() -> None:
    try:
        psycopg2.connect(ADMIN_URL, connect_timeout=3).close()
    except psycopg2.OperationalError as error:
        reason = (
            f"PostgreSQL does not answer at {ADMIN_URL} ({str(error).strip()}): start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "
            "or point NBA_TEST_POSTGRES_URL at one"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _admin(sql: str) -> None:
    connection = psycopg2.connect(ADMIN_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def database_url(name: str) -> str:
    """The URL of the test database ``name``, with TEST_PASSWORD (dlt insists on one)."""
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://postgres@", f"postgresql://postgres:{TEST_PASSWORD}@")
    return f"{base}/{name}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow simulations first, the rest in their order: under ``--dist worksteal`` (make
    test) the other workers run the rest meanwhile, rather than one worker starting the
    longest test last while the others sit idle."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        _postgres_or_skip()
    return str(request.param)


#: This process's mark in the names of its PostgreSQL test databases: test sessions of two
#: checkouts may share one server.
_SESSION = uuid.uuid4().hex[:8]


@pytest.fixture
def new_database(target: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], dict[str, str]]]:
    """A factory of fresh, empty databases of the target; each is dropped after the test.

    The n-th database of every test in this process has the same name (its slot), created
    empty and dropped after each test: dbt keeps a partial-parse cache per database
    (loader.runs.dbt.target_path), so a test's first dbt invocation reuses the parse of the
    last test in that slot instead of parsing the whole project again, some 3.5 seconds a
    database.
    """
    created: list[str] = []
    files: list[Path] = []

    def make() -> dict[str, str]:
        name = f"nba_test_{_SESSION}_{len(created) + len(files)}"
        if target == "duckdb":
            path = tmp_path_factory.getbasetemp() / "slots" / f"{name}.duckdb"
            path.parent.mkdir(exist_ok=True)
            _remove_duckdb_file(path)
            files.append(path)
            return {"NBA_TARGET": "duckdb", "NBA_DUCKDB_PATH": str(path)}
        _admin(f"drop database if exists {name} with (force)")
        _admin(f"create database {name}")
        # A test's database need not survive a crash of the server: commits return without
        # waiting for the disk.
        _admin(f"alter database {name} set synchronous_commit = off")
        created.append(name)
        return {"NBA_TARGET": "postgres", "DATABASE_URL": database_url(name)}

    yield make
    for name in created:
        _admin(f"drop database if exists {name} with (force)")
    for path in files:
        _remove_duckdb_file(path)


def _remove_duckdb_file(path: Path) -> None:
    """The file and all that lives beside it: its WAL, its run lock, audit rows set aside."""
    for leftover in path.parent.glob(f"{path.name}*"):
        leftover.unlink()


@pytest.fixture
def database_env(new_database: Callable[[], dict[str, str]]) -> dict[str, str]:
    """The environment that points a run at a fresh, empty database of the target."""
    return new_database()


@pytest.fixture(autouse=True)
def _root_handlers_restored() -> Iterator[None]:
    """``loader.cli.main`` configures logging on each call; drop its handlers so none outlives capsys."""
    before = list(logging.getLogger().handlers)
    yield
    for handler in logging.getLogger().handlers[:]:
        if handler not in before:
            logging.getLogger().removeHandler(handler)
            handler.close()


@pytest.fixture(scope="session")
def league() -> SyntheticLeague:
    """One untouched synthetic season, shared: tests that alter a league make their own."""
    return SyntheticLeague([SEASON], seed=7)


@pytest.fixture
def fake_api(league: SyntheticLeague) -> Iterator[FakeStatsAPI]:
    with FakeStatsAPI(league, now=MID_SEASON) as api:
        yield api


def make_settings(database_env: dict[str, str], api: FakeStatsAPI, **overrides: str) -> Settings:
    """Settings for a test run: the fake API, no pacing, fast backoff, and no play-by-play
    unless the test turns it on (``NBA_PLAY_BY_PLAY="on"``): most tests count a night's
    season-level requests, and tests/loader/test_play_by_play.py proves the rest."""
    env = {
        **database_env,
        "NBA_PLAY_BY_PLAY": "off",
        "NBA_STATS_BASE_URL": api.base_url,
        "NBA_SEASON": SEASON,
        "NBA_REQUEST_DELAY": "0",
        "NBA_REQUEST_JITTER": "0",
        "NBA_BACKOFF_BASE": "0.01",
        "NBA_REQUEST_TIMEOUT": "5",
        **overrides,
    }
    return Settings.from_env(env)


def collector_states(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType, *names: str
) -> dict[str, list[tuple[bool, int]]]:
    """Wrap each function ``names`` of ``module`` to record, at every call, whether Python's
    garbage collector is on and how many full collections it has made so far."""
    states: dict[str, list[tuple[bool, int]]] = {name: [] for name in names}

    def recording(calls: list[tuple[bool, int]], function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append((gc.isenabled(), gc.get_stats()[2]["collections"]))
            return function(*args, **kwargs)
        return call

    for name in names:
        monkeypatch.setattr(module, name, recording(states[name], getattr(module, name)))
    return states


def query(settings: Settings, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with connect(settings) as database:
        return database.query(sql, params)


def mart_snapshot(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """Every mart's rows, sorted, without load lineage or bookmarks: what two runs must agree on."""
    snapshot = {}
    for table, key in marts().items():
        with connect(settings) as database:
            columns = [
                row[0] for row in database.query(
                    "select column_name from information_schema.columns where table_schema = 'nba' "
                    "and table_name = %s and column_name not in ('dlt_load_id', 'raw_load_number') "
                    "order by ordinal_position",
                    (table,),
                )
            ]
            snapshot[table] = database.query(f"select {', '.join(columns)} from nba.{table} order by {', '.join(key)}")
    return snapshot
