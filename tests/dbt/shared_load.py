"""One database loaded per target for the whole session, for the tests that only read marts.

Running the ELT costs seconds; the test modules that only read the marts import these
fixtures and share one load of the synthetic season (on DuckDB and on PostgreSQL).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MID_SEASON, _admin, _postgres_or_skip, database_url, make_settings

from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.runs.nightly import run_elt
from loader.settings import DEFAULT_DUCKDB_FILE, Settings


@pytest.fixture(scope="session", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def season_database_env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """As ``database_env``, but one database for the whole session: only for tests that read."""
    if request.param == "duckdb":
        # The default file's name: DuckDB names the catalog after it, and the README's queries
        # must run as written against the file a new user gets.
        folder: Path = tmp_path_factory.mktemp("warehouse")
        yield {"NBA_TARGET": "duckdb", "NBA_DUCKDB_PATH": str(folder / DEFAULT_DUCKDB_FILE)}
        return
    _postgres_or_skip()
    name = f"nba_test_{uuid.uuid4().hex[:12]}"
    _admin(f"create database {name}")
    try:
        yield {"NBA_TARGET": "postgres", "DATABASE_URL": database_url(name)}
    finally:
        _admin(f"drop database if exists {name} with (force)")


@pytest.fixture(scope="session")
def loaded_season(season_database_env: dict[str, str], league: SyntheticLeague) -> Iterator[Settings]:
    """The synthetic season synced once at MID_SEASON, play-by-play included; the fake API
    stays up for the module."""
    with FakeStatsAPI(league, now=MID_SEASON) as api:
        settings = make_settings(season_database_env, api, NBA_PLAY_BY_PLAY="on")
        run_elt(settings, today=MID_SEASON)
        yield settings
