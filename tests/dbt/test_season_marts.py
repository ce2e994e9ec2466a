"""standings, team_season_stats and player_season_stats agree with the synthetic league."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from conftest import MID_SEASON, SEASON, query
from shared_load import loaded_season, season_database_env  # noqa: F401  (fixtures)

from fake_stats import SyntheticLeague
from loader.settings import Settings


@pytest.fixture(scope="module")
def regular_season_truth(league: SyntheticLeague) -> dict[str, Any]:
    return league.truth(SEASON, ("Regular Season",), MID_SEASON)


def team_results(truth: dict[str, Any]) -> dict[int, list[tuple[str, str, bool, bool, int, int]]]:
    """Per team, its games in date order: (date, game id, is home, is win, points for, against)."""
    results: dict[int, list[tuple[str, str, bool, bool, int, int]]] = defaultdict(list)
    for game_id, game in truth["completed"].items():
        for team, is_home in ((game["home"], True), (game["away"], False)):
            points_for = game["home_score"] if is_home else game["away_score"]
            points_against = game["away_score"] if is_home else game["home_score"]
            results[team].append((game["date"], game_id, is_home, points_for > points_against,
                                  points_for, points_against))
    return {team: sorted(games) for team, games in results.items()}


def test_standings_equal_the_record_of_every_team(loaded_season: Settings,  # noqa: F811
                                                  regular_season_truth: dict[str, Any]) -> None:
    rows = query(loaded_season, "select team_id, games, wins, losses, home_wins, home_losses, away_wins, "
                 "away_losses, points_for, points_against, streak, streak_games, win_percentage "
                 "from nba.standings where season = %s and season_type = 'Regular Season'", (SEASON,))
    assert len(rows) == 30
    for team_id, games, wins, losses, home_wins, home_losses, away_wins, away_losses, points_for, \
            points_against, streak, streak_games, win_percentage in rows:
        results = team_results(regular_season_truth)[team_id]
        outcomes = [is_win for _, _, _, is_win, _, _ in results]
        assert (games, wins, losses) == (len(results), sum(outcomes), len(results) - sum(outcomes))
        assert (home_wins, home_losses) == (sum(r[3] for r in results if r[2]), sum(not r[3] for r in results if r[2]))
        assert (away_wins, away_losses) == (sum(r[3] for r in results if not r[2]),
                                            sum(not r[3] for r in results if not r[2]))
        assert (points_for, points_against) == (sum(r[4] for r in results), sum(r[5] for r in results))
        assert win_percentage == pytest.approx(wins / games)
        length = next((i for i, outcome in enumerate(reversed(outcomes)) if outcome != outcomes[-1]), len(outcomes))
        assert streak == ("W" if outcomes[-1] else "L") + str(length)
        assert streak_games == (length if outcomes[-1] else -length)


def test_team_season_stats_total_and_average_the_team_box_scores(loaded_season: Settings) -> None:  # noqa: F811
    mismatches = query(loaded_season, """
        select team_season_stats.team_id
        from nba.team_season_stats
        inner join (
            select team_id, season, season_type, count(*) as games, sum(points) as points, sum(rebounds) as rebounds
            from nba.team_game_stats
            group by team_id, season, season_type
        ) as sums
            on team_season_stats.team_id = sums.team_id
            and team_season_stats.season = sums.season
            and team_season_stats.season_type = sums.season_type
        where team_season_stats.games <> sums.games
            or team_season_stats.points <> sums.points
            or team_season_stats.rebounds <> sums.rebounds
            or abs(team_season_stats.points_per_game - cast(sums.points as double precision) / sums.games) > 1e-9
    """)
    assert mismatches == []
    assert query(loaded_season, "select count(*) from nba.team_season_stats") == [(30,)]


def test_player_season_stats_total_the_player_lines(loaded_season: Settings,  # noqa: F811
                                                    regular_season_truth: dict[str, Any]) -> None:
    rows = query(loaded_season, "select sum(games), sum(points), min(points_per_game), max(points_per_game) "
                 "from nba.player_season_stats where season = %s", (SEASON,))
    games, points, lowest, highest = rows[0]
    assert games == regular_season_truth["player_rows"]
    assert points == sum(sum(sides.values()) for sides in regular_season_truth["team_points"].values())
    assert 0 <= lowest < highest < 60
    per_player = query(loaded_season, """
        select count(*) from nba.player_season_stats
        inner join nba.players on player_season_stats.player_id = players.player_id
        where player_season_stats.games <> players.games_played
    """)
    assert per_player == [(0,)], "one season synced: a player's season games are all his games"
