"""The incremental marts re-process only what was loaded since their last run (the game marts
their games, the season marts their seasons, `players` its players), and still equal a
--full-refresh after stat corrections, a postponement, a backfilled season, a schedule-only
change and a load whose id is older than the last one's; and the environment of a plain
`dbt run` does not change what they hold."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import dlt.extract.storage
import pytest
from conftest import SEASON, make_settings, mart_snapshot, query

from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.database import connect
from loader.nba_stats.helpers import StatsClient, changed_games, schedule_games
from loader.runs.dbt import run_dbt
from loader.runs.nightly import run_elt
from loader.runs.plan import SyncPlan
from loader.runs.state import read_schedule_hashes
from loader.runs.steps import load_raw
from loader.settings import DBT_PROJECT_DIR, Settings

EARLIER_SEASON = "2023-24"


def correct_a_game_of(settings: Settings, league: SyntheticLeague, game_date: date) -> tuple[str, int, int]:
    """Correct one player's points in a completed game of ``game_date``; return game, player, delta."""
    game_id = query(settings, "select min(game_id) from nba.matches where is_completed and game_date = %s",
                    (game_date,))[0][0]
    player_id = query(settings, "select min(player_id) from nba.player_game_stats where game_id = %s", (game_id,))[0][0]
    for delta in (2, 3, 4):
        try:
            league.correct_stat(game_id, player_id, delta)
            return game_id, player_id, delta
        except ValueError:
            continue
    raise AssertionError(f"no correction possible in {game_id}")


def test_incremental_marts_equal_a_full_refresh_after_corrections_a_postponement_and_a_backfill(
    database_env: dict[str, str]
) -> None:
    # GIVEN a season synced on a first night, then on two more nights with a stat correction
    # inside the lookback each night and a scheduled game moved to a later date,
    # then an earlier season backfilled (older game dates, loaded last)
    league = SyntheticLeague([EARLIER_SEASON, SEASON], seed=7)
    first_night = date(2024, 11, 20)
    with FakeStatsAPI(league, now=first_night) as api:
        settings = make_settings(database_env, api)
        run_elt(settings, today=first_night, audit=False)  # the audits are the last night's
        corrections = [correct_a_game_of(settings, league, first_night - timedelta(days=1))]
        postponed = query(settings, "select min(game_id) from nba.matches where game_date = %s",
                          (first_night + timedelta(days=3),))[0][0]
        league.postpone(postponed, first_night + timedelta(days=20))
        api.now = first_night + timedelta(days=1)
        run_elt(settings, today=api.now, audit=False)
        corrections.append(correct_a_game_of(settings, league, first_night - timedelta(days=2)))
        api.now = first_night + timedelta(days=2)
        run_elt(settings, today=api.now, audit=False)
        run_elt(make_settings(database_env, api, NBA_SEASON=EARLIER_SEASON), today=api.now)
    incremental = mart_snapshot(settings)

    # THEN the incremental marts carry every change
    for game_id, player_id, _ in corrections:
        game = league.game(game_id)
        want = next(line.points for lines in game.lines.values() for line in lines if line.player_id == player_id)
        assert query(settings, "select points from nba.player_game_stats where game_id = %s and player_id = %s",
                     (game_id, player_id)) == [(want,)]
        assert query(settings, "select home_score, away_score from nba.matches where game_id = %s", (game_id,)) == [
            (game.points(game.home_id), game.points(game.away_id))
        ]
    assert [(str(day)[:10], postponed_flag) for day, postponed_flag in query(
        settings, "select game_date, is_postponed from nba.matches where game_id = %s", (postponed,))
    ] == [(str(first_night + timedelta(days=20)), True)]
    earlier = league.truth(EARLIER_SEASON, ("Regular Season", "PlayIn", "Playoffs"), api.now)
    assert query(settings, "select count(*) from nba.matches where is_completed and season = %s",
                 (EARLIER_SEASON,)) == [(len(earlier["completed"]),)]
    assert query(settings, "select count(*) from nba.player_game_stats where season = %s",
                 (EARLIER_SEASON,)) == [(earlier["player_rows"],)]

    # AND a run with nothing new loaded re-processes nothing: rows altered behind dbt's back stay
    old_game = query(settings, "select min(game_id) from nba.team_game_stats where season = %s", (SEASON,))[0][0]
    with connect(settings) as database:
        database.execute("update nba.team_game_stats set points = points + 1000 where game_id = %s", (old_game,))
        database.execute("update nba.team_season_stats set points = points + 1000 where season = %s", (SEASON,))
        database.execute("update nba.players set games_played = games_played + 1000")
    assert run_dbt(settings, "run").success
    assert query(settings, "select min(points) from nba.team_game_stats where game_id = %s", (old_game,))[0][0] > 1000
    assert query(settings, "select min(points) from nba.team_season_stats where season = %s", (SEASON,))[0][0] > 1000
    assert query(settings, "select min(games_played) from nba.players")[0][0] > 1000

    # WHEN the marts are rebuilt from scratch THEN they equal the incremental ones
    assert run_dbt(settings, "run", "--full-refresh").success
    assert mart_snapshot(settings) == incremental



def test_a_load_whose_id_is_older_than_the_last_one_still_reaches_every_mart(
    database_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a season synced on a machine whose clock is right
    league = SyntheticLeague([SEASON], seed=8)
    night = date(2024, 12, 1)
    with FakeStatsAPI(league, now=night) as api:
        settings = make_settings(database_env, api)
        run_elt(settings, today=night, audit=False)
        game_id, player_id, _ = correct_a_game_of(settings, league, night - timedelta(days=1))
        # WHEN the next load comes from a machine whose clock runs years behind (dlt's load id
        # is that clock), bringing the correction and a night of new games
        monkeypatch.setattr(dlt.extract.storage, "create_load_id", lambda: "1000000000.000001")
        api.now = night + timedelta(days=1)
        run_elt(settings, today=api.now)
    assert query(settings, "select count(*) from raw.player_game_logs where _dlt_load_id = '1000000000.000001'"
                 )[0][0] > 0
    # THEN the marts hold what that load brought, exactly as a rebuild from scratch does
    game = league.game(game_id)
    assert query(settings, "select home_score, away_score from nba.matches where game_id = %s", (game_id,)) == [
        (game.points(game.home_id), game.points(game.away_id))]
    want = next(line.points for lines in game.lines.values() for line in lines if line.player_id == player_id)
    assert query(settings, "select points from nba.player_game_stats where game_id = %s and player_id = %s",
                 (game_id, player_id)) == [(want,)]
    incremental = mart_snapshot(settings)
    assert run_dbt(settings, "run", "--full-refresh").success
    assert mart_snapshot(settings) == incremental
    truth = league.truth(SEASON, ("Regular Season", "PlayIn", "Playoffs"), api.now)
    assert query(settings, "select count(*) from nba.matches where is_completed") == [(len(truth["completed"]),)]


def test_a_plain_dbt_run_builds_the_season_types_of_the_project_whatever_the_environment_says(
    database_env: dict[str, str], tmp_path: Path
) -> None:
    # GIVEN a season synced through the play-in, and an analyst's shell that still exports
    # another NBA_SEASON_TYPES
    league = SyntheticLeague([SEASON], seed=9)
    night = date(2025, 4, 20)
    with FakeStatsAPI(league, now=night) as api:
        settings = make_settings(database_env, api)
        run_elt(settings, today=night, audit=False)
    synced = mart_snapshot(settings)
    assert query(settings, "select count(*) from nba.matches where season_type = 'PlayIn'")[0][0] > 0
    # WHEN the analyst rebuilds the marts with a plain dbt command in dbt_project/
    environment = {**os.environ, **settings.dbt_environment(), "NBA_SEASON_TYPES": "Regular Season"}
    rebuilt = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "run", "--full-refresh", "--profiles-dir", "..",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=DBT_PROJECT_DIR, env=environment, capture_output=True, text=True, timeout=600,
    )
    # THEN the marts are the ones the loader built: the environment decides nothing
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    assert mart_snapshot(settings) == synced


def test_a_schedule_only_change_reaches_every_mart_that_reads_it(database_env: dict[str, str]) -> None:
    # GIVEN a season synced, then the schedule alone changing: the home and away of a game of
    # last month swap (its box scores do not change), and a game of next week moves
    league = SyntheticLeague([SEASON], seed=10)
    night = date(2024, 12, 1)
    with FakeStatsAPI(league, now=night) as api:
        settings = make_settings(database_env, api)
        run_elt(settings, today=night, audit=False)
        swapped = query(settings, "select min(game_id) from nba.matches where is_completed and game_date = %s",
                        (night - timedelta(days=20),))[0][0]
        moved = query(settings, "select min(game_id) from nba.matches where game_date = %s",
                      (night + timedelta(days=6),))[0][0]
        league.redesignate(swapped)
        league.postpone(moved, night + timedelta(days=9))
        before = {table: _rows_of(settings, table, swapped) for table in ("team_game_stats", "player_game_stats")}
        # WHEN a load brings the changed schedule rows alone (a night's sync would re-fetch the
        # swapped game's logs too: they disagree with the schedule) and dbt builds
        with StatsClient(settings) as client, connect(settings) as database:
            games = changed_games(schedule_games(client.schedule(SEASON)), read_schedule_hashes(database, SEASON))
        assert {game["gameId"] for game in games} >= {swapped, moved}
        load_raw(settings, [SyncPlan(SEASON, [], None, games=games)])
        assert run_dbt(settings, "run").success
    # THEN every mart that reads the schedule carries it: the sides in the game marts, the
    # splits in the standings, the sides and rest in the features
    game = league.game(swapped)
    assert query(settings, "select home_team_id, away_team_id from nba.matches where game_id = %s", (swapped,)) \
        == [(game.away_id, game.home_id)]
    for table, rows in before.items():
        assert _rows_of(settings, table, swapped) == [(key, not is_home) for key, is_home in rows], table
    assert query(settings, "select team_id, is_home from nba.team_game_features where game_id = %s order by 1",
                 (swapped,)) == sorted([(game.away_id, True), (game.home_id, False)])
    assert [(str(day)[:10], postponed) for day, postponed in query(
        settings, "select game_date, is_postponed from nba.matches where game_id = %s", (moved,))] \
        == [(str(night + timedelta(days=9)), True)]
    assert query(settings, "select count(*) from nba.team_game_features where game_id = %s and game_date = %s",
                 (moved, night + timedelta(days=9))) == [(2,)]
    incremental = mart_snapshot(settings)
    assert run_dbt(settings, "run", "--full-refresh").success
    assert mart_snapshot(settings) == incremental


def _rows_of(settings: Settings, table: str, game_id: str) -> list[tuple[object, bool]]:
    """(team or player, is_home) of the game's rows in a game mart, in key order."""
    key = "team_id" if table == "team_game_stats" else "player_id"
    return [(row_key, bool(is_home)) for row_key, is_home in query(
        settings, f"select {key}, is_home from nba.{table} where game_id = %s order by {key}", (game_id,))]
