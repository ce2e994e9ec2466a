"""A whole season of nightly syncs on the fake clock, with transient faults and corrections.

CI runs the full season, preseason to the finals, on DuckDB (CI=true, or locally
NBA_SIM_FULL_SEASON=1), and the three weeks around the end of the regular season, where
the play-in and the playoffs join the sync, on PostgreSQL; NBA_SIM_FULL_SEASON=all runs
the full season on both (about 25 minutes each on two cores). Without either, both
targets run the three weeks.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from conftest import SEASON, make_settings, mart_snapshot, query
from marts import assert_marts_equal_truth

from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.pipeline import run_elt

FULL_SEASON_TARGETS = (
    {"duckdb", "postgres"} if os.environ.get("NBA_SIM_FULL_SEASON") == "all"
    else {"duckdb"} if os.environ.get("CI") == "true" or os.environ.get("NBA_SIM_FULL_SEASON") == "1"
    else set()
)
TRANSIENT_FAULTS = ["503", "502", "reset", "html", "truncated", "empty", "500"]
ALL_TYPES = ("Regular Season", "PlayIn", "Playoffs")


def _nights(league: SyntheticLeague, full_season: bool) -> list[date]:
    season = league.season(SEASON)
    if full_season:
        first = min(game.game_date for game in season.games.values())
        last = max(game.game_date for game in season.games.values()) + timedelta(days=2)
    else:
        first = season.last_regular_date - timedelta(days=5)
        last = first + timedelta(days=21)
    return [first + timedelta(days=day) for day in range((last - first).days + 1)]


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_a_season_of_nights_stays_within_budget_passes_its_audits_and_equals_a_full_load(
    target: str, database_env: dict[str, str], new_database: Callable[[], dict[str, str]]
) -> None:
    league = SyntheticLeague([SEASON], seed=31)
    chance = random.Random(31)
    nights = _nights(league, full_season=target in FULL_SEASON_TARGETS)
    audited = 0
    with FakeStatsAPI(league, now=nights[0]) as api:
        settings = make_settings(database_env, api)
        for index, night in enumerate(nights):
            api.now = night
            api.clear_requests()
            faults = 0
            if index % 9 == 4:
                api.add_fault(chance.choice(["scheduleleaguev2", "leaguegamelog"]), chance.choice(TRANSIENT_FAULTS))
                faults = 1
            if index % 25 == 12:
                _correct_a_recent_game(league, night)
            audit_tonight = index % 7 == 6 or night == nights[-1]
            summary = run_elt(settings, today=night, audit=audit_tonight)
            audited += audit_tonight
            assert summary.plan is not None
            data_requests = sum(1 for request in api.requests if request.endpoint != "commonteamyears")
            due = summary.plan.season_types
            assert len(due) <= 2, (night, due)
            assert data_requests - faults <= 1 + 2 * len(due), (night, due, data_requests)
            if due == ["Regular Season"]:
                assert data_requests - faults == 3, night
            if audit_tonight:
                assert summary.audits is not None and not summary.failed_audits
        full = make_settings(new_database(), api)
        run_elt(full, today=nights[-1])
    assert audited >= len(nights) // 7
    assert mart_snapshot(settings) == mart_snapshot(full)
    assert_marts_equal_truth(settings, league.truth(SEASON, ALL_TYPES, nights[-1]))
    assert query(settings, "select count(*) from nba.matches where season_type = 'Playoffs' and is_completed")[0][0]


def _correct_a_recent_game(league: SyntheticLeague, night: date) -> None:
    """The league revises yesterday's box score: one player scores two points more."""
    for game in league.season(SEASON).visible_games(night):
        if game.game_date == night - timedelta(days=1) and game.type_digit in ("2", "4", "5"):
            team_id = game.home_id
            player = max(game.lines[team_id], key=lambda line: line.points)
            league.correct_stat(game.game_id, player.player_id, 2)
            return
