"""``nba-elt backfill``: many seasons from the season-level endpoints, resumable after a kill."""

from __future__ import annotations

import gc
import io
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import collector_states, make_settings, mart_snapshot, query
from marts import assert_marts_equal_truth

import loader
import loader.runs.backfill
import loader.runs.steps
from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.database import connect
from loader.nba_stats.helpers import RequestsCancelled, StatsAPIError
from loader.runs.backfill import fetched_ahead, run_backfill, seasons_between
from loader.settings import ConfigError

REPO_ROOT = Path(loader.__file__).resolve().parent.parent
SEASONS = ["2021-22", "2022-23", "2023-24"]
ALL_TYPES = ("Regular Season", "PlayIn", "Playoffs")
#: After the last of SEASONS and before the next: every game final, no season in progress.
NOW = date(2024, 10, 1)


@pytest.fixture(scope="module")
def history() -> SyntheticLeague:
    return SyntheticLeague(SEASONS, seed=5)


def _truth(league: SyntheticLeague, seasons: list[str]) -> dict[str, Any]:
    """The league's truth for several seasons at once, in the shape assert_marts_equal_truth reads."""
    merged: dict[str, Any] = {}
    for season in seasons:
        for key, value in league.truth(season, ALL_TYPES, NOW).items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged[key] = sorted(merged.get(key, []) + value)
            elif isinstance(value, int):
                merged[key] = merged.get(key, 0) + value
            else:
                merged[key] = value
    return merged


def _data_requests(api: FakeStatsAPI) -> Counter[tuple[str, str, str]]:
    """(season, endpoint, season type) -> how many times the fake API was asked."""
    return Counter(
        (request.params.get("Season", ""), request.endpoint, request.params.get("SeasonType", ""))
        for request in api.requests if request.endpoint != "commonteamyears"
    )


def test_seasons_between_counts_every_season_oldest_first() -> None:
    assert seasons_between("1998-99", "2001-02") == ["1998-99", "1999-00", "2000-01", "2001-02"]
    assert len(seasons_between("1946-47", "2025-26")) == 80
    with pytest.raises(ConfigError, match="comes after"):
        seasons_between("2025-26", "2024-25")


def test_a_backfill_of_three_seasons_equals_the_truth_at_three_requests_per_season_type(
    database_env: dict[str, str], history: SyntheticLeague
) -> None:
    with FakeStatsAPI(history, now=NOW) as api:
        settings = make_settings(database_env, api)
        progress = io.StringIO()
        summary = run_backfill(settings, SEASONS[0], SEASONS[-1], today=NOW, progress_stream=progress)
        requests = _data_requests(api)
    assert summary.status == "success" and not summary.failed_audits
    assert_marts_equal_truth(settings, _truth(history, SEASONS))
    for season in SEASONS:
        assert requests[(season, "scheduleleaguev2", "")] == 1
        for season_type in ALL_TYPES:
            assert requests[(season, "leaguegamelog", season_type)] == 2, (season, season_type)
    assert sum(requests.values()) <= 3 * len(SEASONS) * len(ALL_TYPES)
    assert "3/3 seasons" in progress.getvalue() and "requests" in progress.getvalue()
    recorded = query(settings, "select season, season_type, rows from audit.backfill_progress order by 1, 2")
    assert [(season, season_type) for season, season_type, _ in recorded] == \
        [(season, season_type) for season in SEASONS for season_type in sorted(ALL_TYPES)]
    assert all(rows > 0 for _, _, rows in recorded)
    # All three seasons in one dlt load (NBA_BACKFILL_BATCH is 8 by default)
    steps = query(settings, "select name, status from audit.pipeline_audit where step = 'extract_load'")
    assert steps == [(f"nba_stats {SEASONS[0]}..{SEASONS[-1]}", "success")]


def test_the_garbage_collector_is_paused_while_batches_are_fetched_and_loaded_and_collects_after_each_load(
    database_env: dict[str, str], history: SyntheticLeague, monkeypatch: pytest.MonkeyPatch
) -> None:
    states = collector_states(monkeypatch, loader.runs.backfill, "fetch_seasons", "load_raw")
    with FakeStatsAPI(history, now=NOW) as api:
        settings = make_settings(database_env, api, NBA_BACKFILL_BATCH="1")
        run_backfill(settings, SEASONS[0], SEASONS[-1], today=NOW, progress_stream=io.StringIO())
    assert len(states["fetch_seasons"]) == 3 and len(states["load_raw"]) == 3
    assert not any(collector_on for calls in states.values() for collector_on, _ in calls)
    assert gc.isenabled()
    # A full collection runs between one load and the next, so cycles do not pile up.
    loads = [collections for _, collections in states["load_raw"]]
    assert loads[0] < loads[1] < loads[2]


def test_a_season_without_a_schedule_is_loaded_from_its_game_logs_alone(database_env: dict[str, str]) -> None:
    # GIVEN a season the schedule endpoint does not cover (its logs hold neutral-site games)
    league = SyntheticLeague(SEASONS[:1], seed=5, schedules_from=SEASONS[1])
    with FakeStatsAPI(league, now=NOW) as api:
        settings = make_settings(database_env, api)
        run_backfill(settings, SEASONS[0], SEASONS[0], today=NOW, progress_stream=io.StringIO())
        requests = _data_requests(api)
    assert_marts_equal_truth(settings, _truth(league, SEASONS[:1]))
    assert requests[(SEASONS[0], "scheduleleaguev2", "")] == 1
    assert all(requests[(SEASONS[0], "leaguegamelog", season_type)] == 2 for season_type in ALL_TYPES)


def test_a_season_the_api_fails_on_ends_the_backfill_with_the_loads_before_it_kept(
    database_env: dict[str, str], history: SyntheticLeague
) -> None:
    with FakeStatsAPI(history, now=NOW) as api:
        # GIVEN an API that fails for good from the third season's schedule on
        api.add_fault("scheduleleaguev2", "503", times=100, after=2)
        settings = make_settings(database_env, api, NBA_BACKFILL_BATCH="1", NBA_MAX_RETRIES="1")
        # WHEN a backfill, one season a load, reaches it
        with pytest.raises(StatsAPIError, match="scheduleleaguev2.*HTTP 503"):
            run_backfill(settings, SEASONS[0], SEASONS[-1], today=NOW, progress_stream=io.StringIO())
        assert gc.isenabled()
        # THEN no fetch goes on behind the failed run (its thread ended before the backfill
        # did), the seasons loaded before it are kept and recorded, the failure is on record
        assert not [thread for thread in threading.enumerate() if thread.name == "nba-elt-fetch"]
    assert query(settings, "select season from audit.backfill_progress group by season order by 1") == \
        [(SEASONS[0],), (SEASONS[1],)]
    steps = query(settings, "select step, name, status from audit.pipeline_audit "
                            "where step in ('run', 'extract_load') order by started_at")
    assert steps == [("run", f"backfill {SEASONS[0]}..{SEASONS[-1]}", "error"),
                     ("extract_load", f"nba_stats {SEASONS[0]}", "success"),
                     ("extract_load", f"nba_stats {SEASONS[1]}", "success"),
                     ("extract_load", f"nba_stats {SEASONS[2]}", "error")]


def test_a_backfill_killed_after_its_first_load_resumes_where_it_stopped(
    database_env: dict[str, str], history: SyntheticLeague
) -> None:
    with FakeStatsAPI(history, now=NOW) as api:
        # GIVEN a backfill process loading one season at a time, killed once the first is
        # recorded: it fetches the third only then (the second is fetched while the first
        # loads, and may be loading or recorded when the kill comes). The server ends the killed
        # process's session (and its run lock) a moment after the kill: the next run waits for it.
        settings = make_settings(database_env, api, NBA_LOCK_WAIT="60")
        env = {
            **{key: value for key, value in os.environ.items() if not key.startswith(("NBA_", "DATABASE_URL"))},
            **database_env, "NBA_STATS_BASE_URL": api.base_url, "NBA_SEASON": SEASONS[-1],
            "NBA_REQUEST_DELAY": "0", "NBA_REQUEST_JITTER": "0", "NBA_BACKOFF_BASE": "0.01",
            "NBA_BACKFILL_BATCH": "1",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "loader", "backfill", "--from", SEASONS[0], "--to", SEASONS[-1]],
            cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while not any(request.params.get("Season") == SEASONS[2] for request in api.requests):
            assert process.poll() is None, "the backfill ended before it was killed"
            assert time.monotonic() < deadline, "timed out waiting for the third season"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        recorded = {season for season, in query(settings, "select distinct season from audit.backfill_progress")}
        assert SEASONS[0] in recorded and SEASONS[2] not in recorded

        # WHEN it is started again
        api.clear_requests()
        run_backfill(settings, SEASONS[0], SEASONS[-1], today=NOW, progress_stream=io.StringIO())
        resumed = {season for season, _, _ in _data_requests(api)}

        # THEN it skips the recorded season and ends where an uninterrupted backfill does
        resumed_marts = mart_snapshot(settings)
        resumed_raw = query(settings, "select count(*) from raw.player_game_logs")
        with connect(settings) as database:  # the same target, emptied, for the uninterrupted run
            for schema in ("raw", "nba", "audit"):
                database.execute(f"drop schema {schema} cascade")
        run_backfill(settings, SEASONS[0], SEASONS[-1], today=NOW, progress_stream=io.StringIO())
    assert resumed == set(SEASONS) - recorded
    assert resumed_marts == mart_snapshot(settings)
    assert resumed_raw == query(settings, "select count(*) from raw.player_game_logs")
    assert_marts_equal_truth(settings, _truth(history, SEASONS))


def test_seasons_new_to_raw_are_appended_and_a_reload_after_a_kill_merges_without_duplicates(
    database_env: dict[str, str], history: SyntheticLeague
) -> None:
    with FakeStatsAPI(history, now=NOW) as api:
        settings = make_settings(database_env, api)
        # GIVEN two seasons backfilled into an empty raw: appended, no staging and merge
        run_backfill(settings, SEASONS[0], SEASONS[1], today=NOW, progress_stream=io.StringIO())
        # ... then a kill mid-load, as it would leave them: one table of the load committed
        # (the player logs), the others not, and no progress row
        with connect(settings) as database:
            database.execute("delete from raw.schedule_games")
            database.execute("delete from raw.team_game_logs")
            database.execute("delete from audit.backfill_progress")
        # WHEN the backfill runs again, the next season with them
        run_backfill(settings, SEASONS[0], SEASONS[-1], today=NOW, progress_stream=io.StringIO())
    # THEN the batch holding seasons already in raw merges, and no row is there twice
    loads = query(settings, "select message from audit.pipeline_audit where step = 'extract_load' order by started_at")
    assert ["appended" in message for message, in loads] == [True, False]
    assert "merged on natural keys" in loads[1][0]
    for table, key in (("player_game_logs", "game_id, player_id"), ("team_game_logs", "game_id, team_id"),
                       ("schedule_games", "game_id")):
        assert query(settings, f"select count(*) from (select {key} from raw.{table} "
                               f"group by {key} having count(*) > 1) repeated") == [(0,)], table
    assert_marts_equal_truth(settings, _truth(history, SEASONS))


def test_two_backfills_appending_the_same_seasons_leave_one_row_of_each_key(
    database_env: dict[str, str], history: SyntheticLeague, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeStatsAPI(history, now=NOW) as api:
        settings = make_settings(database_env, api)
        # GIVEN two seasons backfilled into an empty raw: appended
        run_backfill(settings, SEASONS[0], SEASONS[1], today=NOW, progress_stream=io.StringIO())
        # WHEN a second backfill appends them too, as one racing the first without the lock
        # would: it finds no row of them in raw before it loads
        with connect(settings) as database:
            database.execute("delete from audit.backfill_progress")
        monkeypatch.setattr(loader.runs.steps, "seasons_in_raw", lambda database, seasons: set())
        summary = run_backfill(settings, SEASONS[0], SEASONS[1], today=NOW, progress_stream=io.StringIO())
    # THEN both loads appended, yet one row of each key is left, the run says what it put
    # right, and the marts are exact
    loads = query(settings, "select message from audit.pipeline_audit where step = 'extract_load' order by started_at")
    assert ["appended" in message for message, in loads] == [True, True]
    for table, key in (("player_game_logs", "game_id, player_id"), ("team_game_logs", "game_id, team_id"),
                       ("schedule_games", "game_id")):
        assert query(settings, f"select count(*) from (select {key} from raw.{table} "
                               f"group by {key} having count(*) > 1) repeated") == [(0,)], table
    assert summary.status == "warn" and summary.repairs
    assert_marts_equal_truth(settings, _truth(history, SEASONS[:2]))


#: History's seasons up to the first with every stat the team log keeps: no schedule, fewer
#: teams and games, neutral-site games whose logs do not designate, and stats not yet kept.
HISTORY = seasons_between("1946-47", "1980-81")
#: A mart column, and the first season whose box scores kept it (the fake NBA's account).
ERA_COLUMNS = {"three_pointers_made": "1979-80", "offensive_rebounds": "1973-74", "steals": "1973-74",
               "blocks": "1973-74", "turnovers": "1977-78"}


def test_a_backfill_of_history_passes_every_audit_with_the_stats_each_era_kept_and_neutral_sites_whole(
    database_env: dict[str, str]
) -> None:
    league = SyntheticLeague(HISTORY, seed=12)
    with FakeStatsAPI(league, now=NOW) as api:
        settings = make_settings(database_env, api)
        summary = run_backfill(settings, HISTORY[0], HISTORY[-1], today=NOW, progress_stream=io.StringIO())
        schedules = {request.params["Season"] for request in api.requests if request.endpoint == "scheduleleaguev2"}
    # THEN every audit passes, none warns, and the marts are the league's, games and sides
    assert summary.status == "success" and not summary.failed_audits and not summary.warned_audits
    assert schedules == set(HISTORY), "each season's schedule was asked for (and none was there)"
    truth = _truth(league, HISTORY)
    assert_marts_equal_truth(settings, truth)
    # AND a game the logs do not designate is whole: both scores, flagged, the lower team id at home
    neutral = {game_id: game for game_id, game in truth["completed"].items() if game["neutral"]}
    assert len(neutral) >= 4 * len(HISTORY)
    assert query(settings, "select game_id, home_team_id < away_team_id from nba.matches "
                           "where is_neutral_site order by game_id") == [(game_id, True) for game_id in sorted(neutral)]
    # AND a stat a season did not keep is null in every mart and every average, never 0
    for column, first_season in ERA_COLUMNS.items():
        kept = dict(query(settings, f"select season, count({column}) from nba.player_game_stats group by season"))
        per_game = "turnovers_per_game" if column == "turnovers" else "steals_per_game" if column == "steals" else None
        for season in HISTORY:
            assert (kept[season] > 0) == (season >= first_season), (column, season)
        assert query(settings, f"select count({column}) from nba.team_season_stats where season < %s",
                     (first_season,)) == [(0,)], column
        if per_game:
            assert query(settings, f"select count({per_game}) from nba.player_season_stats where season < %s",
                         (first_season,)) == [(0,)], per_game
    assert query(settings, "select count(minutes), count(plus_minus) from nba.player_game_stats "
                           "where season < '1951-52'") == [(0, 0)]
    assert query(settings, "select count(*) from nba.player_season_stats where season < '1951-52' "
                           "and minutes_per_game is not null") == [(0,)]


class _Client:
    """Stands in for StatsClient in fetched_ahead: a request count and cancel()."""

    def __init__(self) -> None:
        self.request_count = 0
        self.cancelled = threading.Event()

    def cancel(self) -> None:
        self.cancelled.set()


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _waiting_for_a_turn(thread_name: str) -> bool:
    """Whether the thread named so is blocked acquiring a semaphore, by its current stack."""
    thread = next((thread for thread in threading.enumerate() if thread.name == thread_name), None)
    frame = sys._current_frames().get(thread.ident) if thread and thread.ident else None
    return frame is not None and any(entry.name == "acquire" and entry.filename == threading.__file__
                                     for entry in traceback.extract_stack(frame))


def test_the_next_batch_is_fetched_while_one_loads_and_never_more_than_one_ahead() -> None:
    client, fetched = _Client(), []
    batches = [{"2021-22": ["Playoffs"]}, {"2022-23": ["Playoffs"]}, {"2023-24": ["Playoffs"]}]
    ahead = fetched_ahead(lambda batch: fetched.append(batch) or [], batches, client)  # type: ignore[arg-type]
    assert next(ahead).season_types == batches[0]
    _wait_for(lambda: len(fetched) == 2)  # the second is fetched while the first "loads"
    # THEN the fetcher waits for its turn (parked in the semaphore's acquire) with two fetched
    _wait_for(lambda: _waiting_for_a_turn("nba-elt-fetch"))
    assert len(fetched) == 2, "no more than one batch ahead"
    assert [item.season_types for item in ahead] == batches[1:]
    assert fetched == batches and not client.cancelled.is_set()


def test_a_failed_fetch_is_handed_over_and_is_the_last() -> None:
    def fetch(batch: dict[str, list[str]]) -> list[Any]:
        if "2022-23" in batch:
            raise StatsAPIError("the stats API is down")
        return []

    batches = [{"2021-22": ["Playoffs"]}, {"2022-23": ["Playoffs"]}, {"2023-24": ["Playoffs"]}]
    handed = list(fetched_ahead(fetch, batches, _Client()))  # type: ignore[arg-type]
    assert [item.error is None for item in handed] == [True, False]
    assert "down" in str(handed[1].error)


def test_stopping_early_cancels_the_fetch_under_way_and_waits_for_its_thread() -> None:
    client = _Client()

    def fetch(batch: dict[str, list[str]]) -> list[Any]:
        if "2022-23" in batch:  # a long fetch, as with the API's pacing, that stops on cancel
            _wait_for(client.cancelled.is_set)
            raise RequestsCancelled("cancelled")
        return []

    batches = [{"2021-22": ["Playoffs"]}, {"2022-23": ["Playoffs"]}]
    ahead = fetched_ahead(fetch, batches, client)  # type: ignore[arg-type]
    next(ahead)
    ahead.close()  # the loader failed while the second batch was being fetched
    assert client.cancelled.is_set()
    assert not [thread for thread in threading.enumerate() if thread.name == "nba-elt-fetch"]
