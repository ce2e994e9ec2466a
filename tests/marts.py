"""Assertions that compare the marts with the synthetic league's truth, and the marts' unit tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from conftest import query

from loader.settings import DBT_PROJECT_DIR, Settings

#: The dbt unit tests of the marts' SQL (tests/dbt/test_unit_tests.py runs them).
UNIT_TESTS = Path(DBT_PROJECT_DIR) / "models" / "marts" / "_marts__unit_tests.yml"


def unit_test_names() -> set[str]:
    return {test["name"] for test in yaml.safe_load(UNIT_TESTS.read_text())["unit_tests"]}


def assert_marts_equal_truth(settings: Settings, truth: dict[str, Any]) -> None:
    """Counts, dates, sides and scores in the marts are exactly the league's."""
    rows = query(
        settings,
        "select game_id, cast(game_date as varchar), home_team_id, away_team_id, home_score, away_score, "
        "is_completed from nba.matches",
    )
    matches = {row[0]: row for row in rows}
    assert len(matches) == len(rows), "duplicate game ids in nba.matches"
    completed = {game_id: row for game_id, row in matches.items() if row[6]}
    assert set(completed) == set(truth["completed"])
    for game_id, want in truth["completed"].items():
        _, game_date, home, away, home_score, away_score, _ = completed[game_id]
        assert (game_date[:10], home, away, home_score, away_score) == (
            want["date"], want["home"], want["away"], want["home_score"], want["away_score"]
        ), game_id
    scheduled = {game_id for game_id, row in matches.items() if not row[6]}
    assert scheduled == set(truth["scheduled_not_completed"])

    team_rows, team_keys = query(
        settings, "select count(*), count(distinct game_id || '-' || cast(team_id as varchar)) from nba.team_game_stats"
    )[0]
    assert team_rows == team_keys == truth["team_rows"]
    player_rows, player_keys = query(
        settings,
        "select count(*), count(distinct game_id || '-' || cast(player_id as varchar)) from nba.player_game_stats",
    )[0]
    assert player_rows == player_keys == truth["player_rows"]
    points = query(settings, "select game_id, team_id, points from nba.team_game_stats")
    assert {(g, t): p for g, t, p in points} == {
        (g, t): p for g, sides in truth["team_points"].items() for t, p in sides.items()
    }
