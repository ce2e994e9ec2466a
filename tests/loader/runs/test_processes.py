"""Runs as real processes: overlapping runs, SIGKILL mid-load, bad settings, a dead database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import psycopg2
import pytest
import requests
from conftest import ADMIN_URL, SEASON, _admin, make_settings, mart_snapshot, query
from marts import assert_marts_equal_truth

import loader
import loader.runs.nightly
import loader.runs.steps
from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.cli import main
from loader.database import connect
from loader.ops.audit import set_aside_path
from loader.ops.lock import ADVISORY_LOCK_KEY
from loader.ops.logs import LOG_FILE
from loader.runs.nightly import run_elt
from loader.settings import format_season, season_in_progress, season_start_year

REPO_ROOT = Path(loader.__file__).resolve().parent.parent
NIGHT = date(2024, 12, 1)


def _env(settings_env: dict[str, str], api: FakeStatsAPI, **extra: str) -> dict[str, str]:
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith(("NBA_", "DATABASE_URL"))},
        **settings_env,
        "NBA_STATS_BASE_URL": api.base_url, "NBA_SEASON": SEASON, "NBA_REQUEST_DELAY": "0",
        "NBA_REQUEST_JITTER": "0", "NBA_BACKOFF_BASE": "0.01", "NBA_PLAY_BY_PLAY": "off", **extra,
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
        # PostgreSQL took the skipped row at once; a DuckDB file held by the first run could
        # not: the row waited beside it, and the next run records it
        if settings.target == "duckdb":
            assert statuses == ["success"] and "waits in" in second.stdout
            assert '"status": "skipped"' in set_aside_path(settings).read_text()
            run_elt(settings, today=NIGHT)
            assert not set_aside_path(settings).exists()
        else:
            assert statuses == ["skipped", "success"]
    statuses = sorted(status for (status,) in query(
        settings, "select status from audit.pipeline_audit where step = 'run'"))
    assert statuses == ["skipped", "success"] + (["success"] if settings.target == "duckdb" else [])
    assert query(settings, "select count(*) from (select game_id from nba.matches group by game_id "
                           "having count(*) > 1) as duplicated") == [(0,)]


def test_a_run_killed_mid_load_converges_on_the_next_run(
    database_env: dict[str, str], new_database: Callable[[], dict[str, str]], league: SyntheticLeague,
    tmp_path: Path,
) -> None:
    with FakeStatsAPI(league, now=date(2025, 3, 1)) as api:
        # The run's dlt folder (loader.runs.steps.load_raw) lives in the TMPDIR it is given
        env = _env(database_env, api, TMPDIR=str(tmp_path))
        victim = _start_elt(env)
        # WHEN dlt has the night's package (extracted: normalising or loading it), the run is killed
        _wait_for(lambda: any(tmp_path.glob("nba-elt-dlt-*/nba_stats/*/*/*")), timeout=120)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        settings = make_settings(database_env, api, NBA_LOCK_WAIT="60")  # the killed session ends a moment later
        assert query(settings, "select status from audit.pipeline_audit where step = 'run'") == [("running",)], \
            "the kill landed mid-run"
        run_elt(settings, today=api.now)
        clean = make_settings(new_database(), api)
        run_elt(clean, today=api.now)
    assert mart_snapshot(settings) == mart_snapshot(clean)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("NBA_SEASON", "2025-2026"), ("NBA_SEASON_TYPES", "Regular Season,Summer League"),
     ("NBA_REQUEST_DELAY", "-1"), ("NBA_DUCKDB_PATH", "/proc/nba/nba_elt.duckdb"),
     ("NBA_REQUEST_TIMEOUT", "nan"), ("NBA_REQUEST_DELAY", "inf"), ("NBA_DUCKDB_PATH", "{folder}"),
     ("NBA_SEASON", format_season(season_start_year(season_in_progress(date.today())) + 2))],
)
def test_bad_settings_stop_the_run_before_any_data_moves(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, variable: str, value: str
) -> None:
    monkeypatch.setenv("NBA_TARGET", "duckdb")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NBA_DUCKDB_PATH", str(tmp_path / "untouched.duckdb"))
    monkeypatch.setenv("NBA_STATS_BASE_URL", "http://127.0.0.1:9/stats")
    monkeypatch.setenv(variable, value.format(folder=tmp_path))
    assert main(["elt"]) == 2
    out = capsys.readouterr().out
    assert variable in out and "Traceback" not in out
    assert [path.name for path in tmp_path.iterdir()] == [], "nothing created"


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
    """Terminates the first backend that writes rows (INSERT, or COPY as dlt loads) into the test database."""

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
                    "and pid <> pg_backend_pid() and (query ilike 'insert into%%' or query ilike 'copy %%')",
                    (self.database,))
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


def _lock_holders(database_url: str) -> list[int]:
    """The backends holding the run lock (loader.ops.lock.ADVISORY_LOCK_KEY) on the test database."""
    connection = psycopg2.connect(ADMIN_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(
            "select pid from pg_locks join pg_database on pg_database.oid = pg_locks.database "
            "where locktype = 'advisory' and granted and datname = %s and classid = %s and objid = %s",
            (database_url.rsplit("/", 1)[1], ADVISORY_LOCK_KEY >> 32, ADVISORY_LOCK_KEY & 0xFFFFFFFF))
        pids = [pid for pid, in cursor.fetchall()]
    connection.close()
    return pids


@pytest.mark.parametrize("target", ["postgres"], indirect=True)
def test_a_run_whose_lock_connection_dies_stops_before_loading_and_the_next_run_alone_loads(
    database_env: dict[str, str], league: SyntheticLeague
) -> None:
    with FakeStatsAPI(league, now=NIGHT) as api:
        # GIVEN a run of a fresh season (the append path) waiting on a slow answer
        api.add_fault("leaguegamelog", "slow", times=1, seconds=4)
        first = _start_elt(_env(database_env, api))
        _wait_for(lambda: _served(api, "leaguegamelog"))
        # WHEN its lock's connection dies (a restarted pgbouncer, an idle timeout) and a
        # second run starts meanwhile and takes the lock
        holders = _lock_holders(database_env["DATABASE_URL"])
        assert len(holders) == 1
        _admin(f"select pg_terminate_backend({holders[0]})")
        settings = make_settings(database_env, api)
        second = run_elt(settings, today=NIGHT)
        output, _ = first.communicate(timeout=120)
    # THEN the first run stops before it loads, in one sentence, and only the second loads
    assert first.returncode == 1, output
    assert "lost its lock" in output and "stops before loading" in output
    assert second.status == "success"
    for table, key in (("player_game_logs", "game_id, player_id"), ("team_game_logs", "game_id, team_id"),
                       ("schedule_games", "game_id")):
        assert query(settings, f"select count(*) from (select {key} from raw.{table} "
                               f"group by {key} having count(*) > 1) as repeated") == [(0,)], table
    assert query(settings, "select count(*) from audit.pipeline_audit where step = 'extract_load' "
                           "and status = 'success'") == [(1,)]
    assert_marts_equal_truth(settings, league.truth(SEASON, ("Regular Season", "PlayIn", "Playoffs"), NIGHT))


def test_copies_of_keys_in_raw_however_they_came_are_removed_by_the_next_run(
    database_env: dict[str, str], league: SyntheticLeague
) -> None:
    # GIVEN a season loaded, then every row of its logs and schedule inserted a second time
    # (as two runs appending at once, an older version, or a hand, would leave them)
    with FakeStatsAPI(league, now=NIGHT) as api:
        settings = make_settings(database_env, api)
        run_elt(settings, today=NIGHT, audit=False)
        with connect(settings) as database:
            for table in ("schedule_games", "team_game_logs", "player_game_logs"):
                columns = ", ".join(name for name, in database.query(
                    "select column_name from information_schema.columns where table_schema = 'raw' "
                    "and table_name = %s and column_name <> '_dlt_id'", (table,)))
                database.execute(f"insert into raw.{table} ({columns}, _dlt_id) "
                                 f"select {columns}, _dlt_id || '-copy' from raw.{table}")
        # WHEN the next night runs
        api.now = NIGHT + timedelta(days=1)
        summary = run_elt(settings, today=api.now, run_id="healing")
    # THEN one row of each key is left, the run says what it put right, and the marts are exact
    for table, key in (("player_game_logs", "game_id, player_id"), ("team_game_logs", "game_id, team_id"),
                       ("schedule_games", "game_id")):
        assert query(settings, f"select count(*) from (select {key} from raw.{table} "
                               f"group by {key} having count(*) > 1) as repeated") == [(0,)], table
    assert summary.status == "warn" and summary.repairs
    (message,), = query(settings, "select message from audit.pipeline_audit where run_id = 'healing' "
                                  "and name = 'raw_keys_unique' and status = 'warn'")
    assert "raw.player_game_logs" in message and "removed" in message
    assert_marts_equal_truth(settings, league.truth(SEASON, ("Regular Season", "PlayIn", "Playoffs"),
                                                    NIGHT + timedelta(days=1)))


class _Poller(threading.Thread):
    """Reads the status every ``interval`` seconds until stopped, counting the answers."""

    def __init__(self, read: Callable[[], int], interval: float) -> None:
        super().__init__(daemon=True)
        self.read, self.interval = read, interval
        self.answers: list[int] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.answers.append(self.read())

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=60)


def test_status_readers_polling_every_tenth_of_a_second_never_make_a_run_fail(
    database_env: dict[str, str], league: SyntheticLeague
) -> None:
    with FakeStatsAPI(league, now=NIGHT) as api:
        env = _env(database_env, api)
        settings = make_settings(database_env, api)
        run_elt(settings, today=NIGHT, audit=False)
        # GIVEN the Pulse served by its own process, polled every 0.1 s, and `nba-elt status`
        # run over and over beside it
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "loader", "serve", "--port", str(port)], cwd=REPO_ROOT,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for(lambda: _answers(f"http://127.0.0.1:{port}/api/v1/system/status") > 0)
            pollers = [
                _Poller(lambda: _answers(f"http://127.0.0.1:{port}/api/v1/system/status"), 0.1),
                _Poller(lambda: _answers(f"http://127.0.0.1:{port}/"), 0.1),
                _Poller(lambda: subprocess.run([sys.executable, "-m", "loader", "status"], cwd=REPO_ROOT, env=env,
                                               capture_output=True, timeout=60).returncode, 0.1),
            ]
            for poller in pollers:
                poller.start()
            _wait_for(lambda: all(poller.answers for poller in pollers))
            # WHEN a whole run goes on, the next night
            api.now = NIGHT + timedelta(days=1)
            outcomes = [run_elt(settings, today=api.now).status]
        finally:
            for poller in pollers:
                poller.stop()
            server.terminate()
            server.wait(timeout=30)
    # THEN the run succeeded, while the readers kept getting answers (each had one before the
    # run began, and more during it: a `nba-elt status` process takes seconds to start)
    assert outcomes == ["success"]
    assert all(len(poller.answers) >= 2 for poller in pollers), [len(poller.answers) for poller in pollers]


def _answers(url: str) -> int:
    """The HTTP status a GET of ``url`` gets, or 0 when nothing answers."""
    try:
        return requests.get(url, timeout=30).status_code
    except requests.ConnectionError:
        return 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("target", ["postgres"], indirect=True)
def test_a_database_dropped_mid_run_is_one_sentence_with_its_cause_and_the_traceback_in_the_log(
    database_env: dict[str, str], fake_api: FakeStatsAPI, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a run whose database is dropped as dlt starts to load (dlt wraps what the
    # database says in layers of its own)
    real_source = loader.runs.steps.nba_stats

    def source_of_a_dropped_database(*args: object, **kwargs: object) -> object:
        _admin(f"drop database {database_env['DATABASE_URL'].rsplit('/', 1)[1]} with (force)")
        return real_source(*args, **kwargs)

    monkeypatch.setattr(loader.runs.steps, "nba_stats", source_of_a_dropped_database)
    for key, value in _env(database_env, fake_api).items():
        monkeypatch.setenv(key, value)
    log_start = LOG_FILE.stat().st_size if LOG_FILE.exists() else 0
    # WHEN it runs THEN it exits 1 with the cause in a sentence, the traceback only in the file
    assert main(["elt"]) == 1
    out = capsys.readouterr().out
    assert "Traceback" not in out
    failure = [line for line in out.splitlines() if "The run failed:" in line]
    assert len(failure) == 1 and "does not exist" in failure[0] and str(LOG_FILE) in failure[0]
    assert "Traceback" in LOG_FILE.read_text()[log_start:]


@pytest.mark.parametrize("target", ["postgres"], indirect=True)
def test_a_lock_connection_lost_after_the_work_is_done_does_not_fail_a_successful_run(
    database_env: dict[str, str], fake_api: FakeStatsAPI, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a run whose lock's connection dies once the audits have run (PostgreSQL
    # terminates it), so that releasing the lock meets a dead connection
    real_run_audits = loader.runs.nightly.run_audits

    def audits_then_the_lock_connection_dies(*args: object, **kwargs: object) -> None:
        real_run_audits(*args, **kwargs)  # type: ignore[arg-type]
        for pid in _lock_holders(database_env["DATABASE_URL"]):
            _admin(f"select pg_terminate_backend({pid})")

    monkeypatch.setattr(loader.runs.nightly, "run_audits", audits_then_the_lock_connection_dies)
    for key, value in _env(database_env, fake_api).items():
        monkeypatch.setenv(key, value)
    # THEN the run succeeds, says so, and the cleanup's trouble is only a warning
    assert main(["elt"]) == 0
    out = capsys.readouterr().out
    assert "the run lock's connection was gone at the end" in out
    settings = make_settings(database_env, fake_api)
    assert query(settings, "select status from audit.pipeline_audit where step = 'run'") == [("success",)]
