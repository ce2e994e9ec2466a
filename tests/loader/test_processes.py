"""Runs as real processes: overlapping runs, SIGKILL mid-load, bad settings, a dead database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import psycopg2
import pytest
from conftest import ADMIN_URL, SEASON, make_settings, mart_snapshot, query
from marts import assert_marts_equal_truth

import loader
from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.cli import main
from loader.pipeline import run_elt

REPO_ROOT = Path(loader.__file__).resolve().parent.parent
NIGHT = date(2024, 12, 1)


def _env(settings_env: dict[str, str], api: FakeStatsAPI, **extra: str) -> dict[str, str]:
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith(("NBA_", "DATABASE_URL"))},
        **settings_env,
        "NBA_STATS_BASE_URL": api.base_url, "NBA_SEASON": SEASON, "NBA_REQUEST_DELAY": "0",
        "NBA_REQUEST_JITTER": "0", "NBA_BACKOFF_BASE": "0.01", **extra,
    }


def _start_elt(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "loader", "elt"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def _served(api: FakeStatsAPI, endpoint: str, player_or_team: str | None = None) -> bool:
    return any(request.endpoint == endpoint and player_or_team in (None, request.params.get("PlayerOrTeam"))
               for request in api.requests)


def test_a_second_run_steps_aside_while_one_is_in_progress(
    database_env: dict[str, str], league: SyntheticLeague
) -> None:
    with FakeStatsAPI(league, now=NIGHT) as api:
        api.add_fault("leaguegamelog", "slow", times=1, seconds=4)
        env = _env(database_env, api)
        first = _start_elt(env)
        _wait_for(lambda: _served(api, "leaguegamelog"))
        started = time.monotonic()
        second = subprocess.run([sys.executable, "-m", "loader", "elt"], cwd=REPO_ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
        assert time.monotonic() - started < 15
        assert second.returncode == 75, second.stdout + second.stderr
        assert "Another run is in progress" in second.stdout
        output, _ = first.communicate(timeout=300)
        assert first.returncode == 0, output
        settings = make_settings(database_env, api)
    statuses = sorted(status for (status,) in query(
        settings, "select status from audit.pipeline_audit where step = 'run'"))
    assert statuses == ["skipped", "success"]
    assert query(settings, "select count(*) from (select game_id from nba.matches group by game_id "
                           "having count(*) > 1) as duplicated") == [(0,)]


def test_a_run_killed_mid_load_converges_on_the_next_run(
    database_env: dict[str, str], new_database: Callable[[], dict[str, str]], league: SyntheticLeague
) -> None:
    with FakeStatsAPI(league, now=date(2025, 3, 1)) as api:
        env = _env(database_env, api)
        victim = _start_elt(env)
        _wait_for(lambda: _served(api, "leaguegamelog", "P"))
        time.sleep(0.5)  # normalising or loading by now
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        settings = make_settings(database_env, api)
        assert query(settings, "select status from audit.pipeline_audit where step = 'run'") == [("running",)], \
            "the kill landed mid-run"
        run_elt(settings, today=api.now)
        clean = make_settings(new_database(), api)
        run_elt(clean, today=api.now)
    assert mart_snapshot(settings) == mart_snapshot(clean)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("NBA_SEASON", "2025-2026"), ("NBA_SEASON_TYPES", "Regular Season,Summer League"),
     ("NBA_REQUEST_DELAY", "-1"), ("NBA_DUCKDB_PATH", "/proc/nba/nba.duckdb")],
)
def test_bad_settings_stop_the_run_before_any_data_moves(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, variable: str, value: str
) -> None:
    monkeypatch.setenv("NBA_TARGET", "duckdb")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NBA_DUCKDB_PATH", str(tmp_path / "untouched.duckdb"))
    monkeypatch.setenv("NBA_STATS_BASE_URL", "http://127.0.0.1:9/stats")
    monkeypatch.setenv(variable, value)
    assert main(["elt"]) == 2
    assert variable in capsys.readouterr().out
    assert not (tmp_path / "untouched.duckdb").exists()


def test_postgres_down_at_start_fails_the_preflight_in_seconds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fake_api: FakeStatsAPI
) -> None:
    monkeypatch.setenv("NBA_TARGET", "postgres")
    monkeypatch.setenv("DATABASE_URL", "postgresql://etl:hunter2@127.0.0.1:9/nba")
    monkeypatch.setenv("NBA_STATS_BASE_URL", fake_api.base_url)
    started = time.monotonic()
    assert main(["elt"]) == 1
    assert time.monotonic() - started < 15
    out = capsys.readouterr().out
    assert "Cannot open the postgres database at postgresql://etl:***@127.0.0.1:9/nba" in out
    assert "hunter2" not in out
    assert not fake_api.requests, "no data moved"



class _BackendKiller(threading.Thread):
    """Terminates the first backend that inserts into the test database's raw tables."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        self.database = database_url.rsplit("/", 1)[1]
        self.killed: list[int] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        connection = psycopg2.connect(ADMIN_URL)
        connection.autocommit = True
        with connection.cursor() as cursor:
            while not self._stop_event.is_set() and not self.killed:
                cursor.execute(
                    "select pid from pg_stat_activity where datname = %s and state = 'active' "
                    "and pid <> pg_backend_pid() and query ilike 'insert into%%'", (self.database,))
                for (pid,) in cursor.fetchall():
                    cursor.execute("select pg_terminate_backend(%s)", (pid,))
                    self.killed.append(pid)
                time.sleep(0.005)
        connection.close()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)


@pytest.mark.parametrize("target", ["postgres"], indirect=True)
def test_the_loaders_connection_killed_mid_load_ends_in_error_and_the_next_run_completes(
    database_env: dict[str, str], league: SyntheticLeague
) -> None:
    with FakeStatsAPI(league, now=date(2025, 3, 1)) as api:
        settings = make_settings(database_env, api)
        killer = _BackendKiller(database_env["DATABASE_URL"])
        killer.start()
        try:
            run_elt(settings, today=api.now, run_id="killed-connection")
            outcome = "success"  # dlt may retry a job whose connection died, and succeed
        except Exception:  # noqa: BLE001 - whatever dlt or dbt raised when its connection died
            outcome = "error"
        finally:
            killer.stop()
        assert killer.killed, "the watcher terminated the loader's connection mid-load"
        assert query(settings, "select status from audit.pipeline_audit where run_id = 'killed-connection' "
                               "and step = 'run'") == [(outcome,)]
        run_elt(settings, today=api.now)
        truth = league.truth(SEASON, ("Regular Season", "PlayIn", "Playoffs"), api.now)
    assert_marts_equal_truth(settings, truth)
    assert query(settings, "select count(*) from (select game_id, player_id from raw.player_game_logs "
                           "group by game_id, player_id having count(*) > 1) as duplicated") == [(0,)]
