"""The incremental marts re-process only what was loaded since their last run (the game marts
their games, the season marts their seasons, `players` its players), and still equal a
--full-refresh after stat corrections, a postponement and a backfilled season."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from conftest import SEASON, make_settings, mart_snapshot, query

from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.database import connect
from loader.pipeline import run_elt
from loader.settings import DBT_PROJECT_DIR, Settings
from loader.transform import run_dbt

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
        run_elt(settings, today=first_night)
        corrections = [correct_a_game_of(settings, league, first_night - timedelta(days=1))]
        postponed = query(settings, "select min(game_id) from nba.matches where game_date = %s",
                          (first_night + timedelta(days=3),))[0][0]
        league.postpone(postponed, first_night + timedelta(days=20))
        api.now = first_night + timedelta(days=1)
        run_elt(settings, today=api.now)
        corrections.append(correct_a_game_of(settings, league, first_night - timedelta(days=2)))
        api.now = first_night + timedelta(days=2)
        run_elt(settings, today=api.now)
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


def test_a_plain_dbt_run_builds_the_season_types_of_the_project_whatever_the_environment_says(
    database_env: dict[str, str], tmp_path: Path
) -> None:
    # GIVEN a season synced through the play-in, and an analyst's shell that still exports
    # another NBA_SEASON_TYPES
    league = SyntheticLeague([SEASON], seed=9)
    night = date(2025, 4, 20)
    with FakeStatsAPI(league, now=night) as api:
        settings = make_settings(database_env, api)
        run_elt(settings, today=night)
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
