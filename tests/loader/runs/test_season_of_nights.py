"""A season of nightly syncs on the fake clock, with the API's faults and the data's surprises.

By default the simulation runs the nights where a season changes: opening week, a quiet
January week, the All-Star break, the play-in, the start of each playoff round, the end of
the finals and the next season's first night (27 nights, on both targets). Between
them the sync sleeps for weeks, as a job that missed nights would, and catches up from its
watermark. ``NBA_SIM_FULL_SEASON=1`` runs every night of the season instead (a manual check,
like ``make bench``: some 250 nights, about 15 minutes a target).

Sprinkled in: transient faults (5xx, resets, HTML, truncated and empty answers), corrections
inside the lookback, a correction a month old that only the schedule reveals, a box score
the API publishes six nights after the game, and stats sent as null for a night. Every night makes
exactly the requests its season types call for (3 in the regular season) whatever
happened, the audits pass at the end of every stretch, and the marts end equal to one full
load of the season and to the league's truth.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from conftest import SEASON, make_settings, mart_snapshot, query
from marts import assert_marts_equal_truth

from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.runs.nightly import run_elt

NEXT_SEASON = "2025-26"
FULL_SEASON = os.environ.get("NBA_SIM_FULL_SEASON") == "1"
TRANSIENT_FAULTS = ["503", "502", "reset", "html", "truncated", "empty", "500"]
ALL_TYPES = ("Regular Season", "PlayIn", "Playoffs")


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=day) for day in range((last - first).days + 1)]


def _stretches(league: SyntheticLeague) -> list[list[date]]:
    """The nights the simulation runs, stretch by stretch (one stretch: the whole season)."""
    season = league.season(SEASON)
    games = season.games.values()
    last_game = max(game.game_date for game in games)
    if FULL_SEASON:
        return [_days(min(game.game_date for game in games), last_game + timedelta(days=2))]
    all_star = next(game.game_date for game in games if game.type_digit == "3")
    rounds = sorted({game.game_id[7]: min(other.game_date for other in games if other.type_digit == "4"
                                          and other.game_id[7] == game.game_id[7])
                     for game in games if game.type_digit == "4"}.items())
    opening = season.first_regular_date
    stretches = [
        _days(opening, opening + timedelta(days=1)),
        # a week: a box score withheld the night before it arrives six nights later
        _days(date(opening.year + 1, 1, 13), date(opening.year + 1, 1, 19)),
        _days(all_star - timedelta(days=1), all_star + timedelta(days=1)),
        _days(season.last_regular_date - timedelta(days=1), rounds[0][1] + timedelta(days=1)),
    ]
    stretches += [[start] for _, start in rounds[1:]]
    stretches.append(_days(last_game, last_game + timedelta(days=1)))
    return stretches


def _game_on(league: SyntheticLeague, day: date, digit: str = "2") -> str:
    return min(game.game_id for game in league.season(SEASON).games.values()
               if game.game_date == day and game.type_digit == digit)


def _surprises(
    league: SyntheticLeague, stretches: list[list[date]]
) -> tuple[dict[date, Callable[[], None]], set[str]]:
    """What the league does on given nights, the same in both modes (a correction inside the
    lookback, a month-old correction, a box score published six nights late, a null stat),
    and the games of them that a night must reach back for, beyond its lookback."""
    january, all_star, play_in = stretches[1][0], stretches[2][0], stretches[3][0]
    first_play_in = min(game.game_date for game in league.season(SEASON).games.values() if game.type_digit == "5")
    late = _game_on(league, january - timedelta(days=1))
    old = _game_on(league, all_star - timedelta(days=35))
    gappy = _game_on(league, play_in - timedelta(days=10))

    def correct(game_id: str) -> None:
        game = league.game(game_id)
        player = max(game.lines[game.home_id], key=lambda line: line.points)
        league.correct_stat(game_id, player.player_id, 2)

    return {
        # published six nights after the game: the lookback has passed it by then
        january - timedelta(days=1): lambda: league.withhold_box_score(late, until=january + timedelta(days=5)),
        january + timedelta(days=2): lambda: correct(_game_on(league, january)),
        all_star: lambda: correct(old),
        play_in: lambda: league.null_stat(gappy, "FGM", until=play_in + timedelta(days=1)),
        first_play_in + timedelta(days=2): lambda: correct(_game_on(league, first_play_in, "5")),
    }, {late, old, gappy}


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_a_season_of_nights_stays_within_budget_passes_its_audits_and_equals_a_full_load(
    target: str, database_env: dict[str, str], new_database: Callable[[], dict[str, str]]
) -> None:
    league = SyntheticLeague([SEASON, NEXT_SEASON], seed=31)
    chance = random.Random(31)
    stretches = _stretches(league)
    surprises, beyond_the_lookback = _surprises(league, stretches)
    reached_back: set[str] = set()
    nights = [night for stretch in stretches for night in stretch]
    # The audits at the end of every stretch, and every Sunday of the whole season's one stretch
    audit_nights = {stretch[-1] for stretch in stretches} | {
        night for night in nights if FULL_SEASON and night.weekday() == 6}
    # The surprise of the night before a stretch happens too: the league does not wait for the sync.
    for day in sorted(surprises):
        if day < nights[0] or day not in nights:
            surprises.pop(day)()
    with FakeStatsAPI(league, now=nights[0]) as api:
        settings = make_settings(database_env, api)
        for index, night in enumerate(nights):
            if night in surprises:
                surprises.pop(night)()
            api.now = night
            api.clear_requests()
            faults = 0
            if index % 5 == 3:
                api.add_fault(chance.choice(["scheduleleaguev2", "leaguegamelog"]), chance.choice(TRANSIENT_FAULTS))
                faults = 1
            summary = run_elt(settings, today=night, audit=night in audit_nights)
            assert summary.plan is not None
            reached_back |= {game.game_id for game in summary.plan.stale_games}
            data_requests = sum(1 for request in api.requests if request.endpoint != "commonteamyears")
            due = summary.plan.season_types
            assert len(due) <= 2, (night, due)
            # The due requests, and no more but the retry of the night's one fault (an empty
            # game log may rightly be taken for last night's games still to come).
            assert data_requests - faults <= 1 + 2 * len(due) <= data_requests, (night, due, data_requests)
            if night in audit_nights:
                assert summary.audits is not None and not summary.failed_audits, (night, summary.failed_audits)
        assert not surprises, f"surprises on nights the simulation never ran: {sorted(surprises)}"
        assert beyond_the_lookback <= reached_back, "each was fetched again by reaching back, at no extra request"
        full = make_settings(new_database(), api)
        run_elt(full, today=nights[-1])
        assert mart_snapshot(settings) == mart_snapshot(full)
        assert_marts_equal_truth(settings, league.truth(SEASON, ALL_TYPES, nights[-1]))
        assert query(settings, "select count(*) from nba.matches where season_type = 'Playoffs' and is_completed")[0][0]
        # AND the next season's first night starts from its own empty watermark
        opening = league.season(NEXT_SEASON).first_regular_date + timedelta(days=1)
        api.now = opening
        api.clear_requests()
        for database in (settings, full):
            run_elt(make_settings({"NBA_TARGET": database.target, **_location(database)}, api,
                                  NBA_SEASON=NEXT_SEASON), today=opening)
        date_froms = {request.params.get("DateFrom") for request in api.requests if request.endpoint == "leaguegamelog"}
        assert date_froms == {""}, "the new season has no watermark: it loads from its start"
    assert mart_snapshot(settings) == mart_snapshot(full)
    completed = dict(query(settings, "select season, count(*) from nba.matches where is_completed group by season"))
    assert completed == {SEASON: len(league.truth(SEASON, ALL_TYPES, nights[-1])["completed"]),
                         NEXT_SEASON: len(league.truth(NEXT_SEASON, ALL_TYPES, opening)["completed"])}


def _location(settings: Any) -> dict[str, str]:
    """The environment that names the same database as ``settings``."""
    if settings.target == "postgres":
        return {"DATABASE_URL": settings.database_url}
    return {"NBA_DUCKDB_PATH": str(settings.duckdb_path)}
