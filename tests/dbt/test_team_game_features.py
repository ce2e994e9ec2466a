"""team_game_features never lets a result leak into the features of an earlier match."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from conftest import MID_SEASON, SEASON, make_settings, query
from shared_load import loaded_season, season_database_env  # noqa: F401  (fixtures)

from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.runs.nightly import run_elt
from loader.settings import Settings

FEATURES = ("game_date, is_completed, rest_days, is_back_to_back, games_played, win_percentage, "
            "points_for_avg_last_5, points_against_avg_last_5, points_for_avg_last_10, points_against_avg_last_10, "
            "opponent_rest_days, opponent_games_played, opponent_win_percentage, "
            "opponent_points_for_avg_last_5, opponent_points_against_avg_last_5, "
            "opponent_points_for_avg_last_10, opponent_points_against_avg_last_10")


def features(settings: Settings) -> dict[tuple[str, int], tuple[Any, ...]]:
    rows = query(settings, f"select game_id, team_id, {FEATURES} from nba.team_game_features")
    return {(row[0], row[1]): row[2:] for row in rows}


def test_a_changed_score_moves_only_the_features_of_later_matches(database_env: dict[str, str]) -> None:
    # GIVEN a synced season, and a game two nights back (inside the lookback) whose home
    # team's points are then corrected
    league = SyntheticLeague([SEASON], seed=7)
    with FakeStatsAPI(league, now=MID_SEASON) as api:
        settings = make_settings(database_env, api)
        run_elt(settings, today=MID_SEASON, audit=False)
        before = features(settings)
        corrected_date = MID_SEASON - timedelta(days=2)
        game_id, home_team_id = query(
            settings, "select game_id, home_team_id from nba.matches where is_completed and game_date = %s "
            "order by game_id", (corrected_date,))[0]
        player_id = query(settings, "select min(player_id) from nba.player_game_stats where game_id = %s "
                          "and team_id = %s", (game_id, home_team_id))[0][0]
        delta = next(d for d in (5, 6, 7) if _corrected(league, game_id, player_id, d))
        # WHEN the next run loads the correction
        run_elt(settings, today=MID_SEASON)
        after = features(settings)

    # THEN no match on or before the corrected game's date moves
    assert set(before) == set(after)
    up_to_date = {key for key, row in before.items() if str(row[0])[:10] <= str(corrected_date)}
    assert up_to_date and all(before[key] == after[key] for key in up_to_date)
    # AND the corrected team's next match sees the new points in its rolling averages
    next_match = min((row[0], key) for key, row in before.items()
                     if key[1] == home_team_id and str(row[0])[:10] > str(corrected_date))[1]
    points_for_avg_last_5 = FEATURES.split(", ").index("points_for_avg_last_5")
    moved = after[next_match][points_for_avg_last_5] - before[next_match][points_for_avg_last_5]
    assert moved == pytest.approx(delta / 5)
    assert {key for key in before if before[key] != after[key]} <= {key for key, row in before.items()
                                                                    if str(row[0])[:10] > str(corrected_date)}


def test_every_match_with_known_teams_has_two_rows(loaded_season: Settings) -> None:  # noqa: F811
    settings = loaded_season
    matches = query(settings, "select count(*) from nba.matches where home_team_id is not null "
                    "and away_team_id is not null")[0][0]
    sides = query(settings, "select count(*), count(distinct game_id) from nba.team_game_features")[0]
    assert matches > 0 and sides == (2 * matches, matches)
    first_games = query(settings, "select count(*) from nba.team_game_features where games_played = 0 "
                        "and win_percentage is null and points_for_avg_last_5 is null and rest_days is null")
    assert first_games == [(30,)], "every team's first match of the season has no form yet"


def _corrected(league: SyntheticLeague, game_id: str, player_id: int, delta: int) -> bool:
    try:
        league.correct_stat(game_id, player_id, delta)
    except ValueError:
        return False
    return True

