"""The flight recorder under trouble: crashes, dead processes, a dead or hanging API, stale data,
passwords; and what ``nba-elt status`` makes of it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import MID_SEASON, make_settings, query

from fake_stats import FakeStatsAPI
from loader.cli import main
from loader.database import connect
from loader.ops.audit import ensure_audit_table, utc_now
from loader.ops.status import collect_status
from loader.runs import nightly
from loader.settings import Settings

FAST_API = {"NBA_REQUEST_DELAY": "0", "NBA_REQUEST_JITTER": "0", "NBA_BACKOFF_BASE": "0.01",
            "NBA_REQUEST_TIMEOUT": "5", "NBA_SEASON": "2024-25", "NBA_PLAY_BY_PLAY": "off"}


def _insert_run(settings: Settings, status: str, started_at: datetime, message: str,
                finished_at: datetime | None = None) -> str:
    run_id = str(uuid.uuid4())
    with connect(settings) as database:
        ensure_audit_table(database)
        database.execute(
            "insert into audit.pipeline_audit (event_id, run_id, step, name, status, started_at, finished_at, "
            "message) values (%s, %s, 'run', 'elt 2024-25', %s, %s, %s, %s)",
            (str(uuid.uuid4()), run_id, status, started_at, finished_at, message),
        )
    return run_id


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("crash", ["load_raw", "build_marts"])
def test_a_crash_mid_run_closes_the_run_as_error_with_the_traceback(
    database_env: dict[str, str], fake_api: FakeStatsAPI, monkeypatch: pytest.MonkeyPatch, crash: str
) -> None:
    settings = make_settings(database_env, fake_api)
    # GIVEN a step that blows up: an exception in the load, Ctrl-C in the transform
    error: BaseException = RuntimeError("disk on fire") if crash == "load_raw" else KeyboardInterrupt()

    def explode(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(nightly, crash, explode)
    with pytest.raises(type(error)):
        nightly.run_elt(settings, today=MID_SEASON)
    # THEN the run row is closed as error, the traceback names the cause, and status agrees
    (status, traceback_text, finished_at), = query(
        settings, "select status, error_traceback, finished_at from audit.pipeline_audit where step = 'run'")
    assert status == "error" and finished_at is not None
    assert type(error).__name__ in traceback_text and "Traceback" in traceback_text
    assert collect_status(settings)["last_run"]["status"] == "error"
    assert collect_status(settings)["health"] == "fail"


@pytest.mark.parametrize(("run_status", "health", "exit_code"),
                         [("success", "ok", 0), ("warn", "warn", 1), ("fail", "fail", 2)])
def test_status_exits_with_a_code_a_monitor_reads(
    database_env: dict[str, str], fake_api: FakeStatsAPI, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], run_status: str, health: str, exit_code: int
) -> None:
    settings = make_settings(database_env, fake_api)
    now = utc_now()
    _insert_run(settings, run_status, now - timedelta(minutes=5), "a night", finished_at=now - timedelta(minutes=1))
    for key, value in database_env.items():
        monkeypatch.setenv(key, value)
    assert main(["status"]) == exit_code
    assert f"nba-elt status: {health.upper()}" in capsys.readouterr().out
    assert main(["status", "--json"]) == exit_code


def test_status_without_a_database_fails_as_a_monitor_expects(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBA_TARGET", "postgres")
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres:any-password@127.0.0.1:1/nowhere")
    assert main(["status"]) == 2


def test_a_running_row_whose_process_is_gone_shows_as_abandoned(
    database_env: dict[str, str], fake_api: FakeStatsAPI
) -> None:
    settings = make_settings(database_env, fake_api)
    now = utc_now()
    host = socket.gethostname()
    alive = _insert_run(settings, "running", now - timedelta(minutes=1), f"running as pid {os.getpid()} on {host}")
    killed = _insert_run(settings, "running", now - timedelta(minutes=2), f"running as pid {_dead_pid()} on {host}")
    forgotten = _insert_run(settings, "running", now - timedelta(hours=7), "running as pid 1 on another-host")
    elsewhere = _insert_run(settings, "running", now - timedelta(hours=1), "running as pid 1 on another-host")

    runs = {run["run_id"]: run["status"] for run in collect_status(settings, now=now)["recent_runs"]}

    assert runs == {alive: "running", killed: "abandoned", forgotten: "abandoned", elsewhere: "running"}


def test_status_warns_of_stale_data_only_during_the_season(
    database_env: dict[str, str], fake_api: FakeStatsAPI
) -> None:
    settings = make_settings(database_env, fake_api)
    synced = datetime(2025, 1, 10, 6, 0)
    _insert_run(settings, "success", synced - timedelta(minutes=5), "ok", finished_at=synced)

    next_morning = collect_status(settings, now=synced + timedelta(hours=20))
    three_days_later = collect_status(settings, now=synced + timedelta(days=3))
    summer = collect_status(settings, now=datetime(2025, 8, 1))

    assert (next_morning["stale"], next_morning["health"]) == (False, "ok")
    assert three_days_later["stale"] and three_days_later["health"] == "warn"
    assert any("Stale data" in warning and "3 days" in warning for warning in three_days_later["warnings"])
    assert not summer["stale"] and not summer["warnings"]


#: Each way the heartbeat fails, and the words that tell it apart from the others.
HEARTBEAT_FAILURES = {
    "nothing listens": "(connection refused)",
    "hangs": "did not answer within 1 s",
    "answers 403": "is blocking this IP (403 Forbidden",
    "does not resolve": "does not resolve (DNS)",
}


@pytest.mark.parametrize("api", list(HEARTBEAT_FAILURES))
def test_preflight_fails_within_the_heartbeat_timeout_with_one_sentence_and_a_fail_row(
    database_env: dict[str, str], fake_api: FakeStatsAPI, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], api: str
) -> None:
    base_url = f"http://127.0.0.1:{_free_port()}/stats" if api == "nothing listens" else fake_api.base_url
    if api == "hangs":
        fake_api.add_fault("commonteamyears", "hang")
    if api == "answers 403":
        fake_api.add_fault("commonteamyears", "403")
    if api == "does not resolve":
        # A name no resolver knows, failing here as a resolver would (the test never asks one).
        base_url = "http://stats.nba-elt.invalid/stats"
        real_getaddrinfo = socket.getaddrinfo

        def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
            if host == "stats.nba-elt.invalid":
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return real_getaddrinfo(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", resolve)
    for key, value in {**database_env, **FAST_API, "NBA_STATS_BASE_URL": base_url,
                       "NBA_HEARTBEAT_TIMEOUT": "1"}.items():
        monkeypatch.setenv(key, value)

    started = time.monotonic()
    exit_code = main(["preflight"])
    elapsed = time.monotonic() - started

    assert exit_code != 0
    assert elapsed < 8, f"pre-flight took {elapsed:.1f}s"
    out = capsys.readouterr().out
    assert HEARTBEAT_FAILURES[api] in out, out
    assert sum(words in out for words in HEARTBEAT_FAILURES.values()) == 1
    settings = Settings.from_env()
    assert query(settings, "select status from audit.pipeline_audit where step = 'preflight' and name = 'stats_api'"
                 ) == [("fail",)]
    checks = {check["name"]: check["status"] for check in collect_status(settings)["preflight_checks"]}
    assert checks == {"database": "success", "stats_api": "fail"}
