"""Whole and true: the marts agree with the schedule's own account of every game, every night,
within the request budget (issue: reconciliation). Each test talks to the fake API over HTTP
on both targets; the league's truth() is the independent account compared with."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import SEASON, make_settings, query
from marts import assert_marts_equal_truth

from fake_stats import FakeStatsAPI, SyntheticLeague
from fake_stats.league import team_by_id
from loader.cli import main
from loader.runs.nightly import run_elt
from loader.runs.steps import AuditsFailed, RunSummary
from loader.settings import Settings

ALL_TYPES = ("Regular Season", "PlayIn", "Playoffs")
NIGHT = date(2024, 12, 1)
AGREES = "assert_matches_agree_with_schedule"
KEEPS_STATS = "assert_box_scores_have_the_stats_their_season_kept"


def _data_requests(api: FakeStatsAPI) -> int:
    return sum(1 for request in api.requests if request.endpoint != "commonteamyears")


def _audit_row(settings: Settings, run_id: str, name: str) -> tuple[str, str]:
    (status, message), = query(settings, "select status, message from audit.pipeline_audit "
                                         "where run_id = %s and name = %s", (run_id, name))
    return status, message


def _regular_season_game(league: SyntheticLeague, day: date) -> str:
    return min(game.game_id for game in league.season(SEASON).games.values()
               if game.game_date == day and game.type_digit == "2")


def _night(settings: Settings, api: FakeStatsAPI, night: date, run_id: str, audit: bool = True) -> RunSummary:
    """One nightly run at ``night`` that makes exactly three data requests, audits failing or not."""
    api.now = night
    api.clear_requests()
    try:
        summary = run_elt(settings, today=night, run_id=run_id, audit=audit)
    except AuditsFailed:
        summary = RunSummary(run_id=run_id, status="fail")
    assert _data_requests(api) == 3, night
    return summary


def test_a_box_score_published_days_late_arrives_the_first_night_the_api_has_it(database_env: dict[str, str]) -> None:
    # GIVEN a game of Nov 30 whose box score the API publishes only on Dec 7: the schedule calls
    # it final from Dec 1 on, and from Dec 5 the nightly lookback window no longer reaches it
    league = SyntheticLeague([SEASON], seed=41)
    late = _regular_season_game(league, NIGHT - timedelta(days=1))
    league.withhold_box_score(late, until=NIGHT + timedelta(days=6))
    with FakeStatsAPI(league, now=NIGHT) as api:
        settings = make_settings(database_env, api)
        nights = {night: NIGHT + timedelta(days=night) for night in range(7)}
        # WHEN the nightly sync runs every night
        # THEN the first night, the game final since yesterday, the audit only warns
        first = _night(settings, api, nights[0], "night-0")
        assert first.status == "warn" and AGREES in first.warned_audits
        assert _audit_row(settings, "night-0", AGREES) == ("warn", f"1 row breaks the rule: {late} "
                                                           f"(final on {NIGHT - timedelta(days=1)}, no box score)")
        # AND on later nights while the box score is missing (the next one, and four nights
        # on, after a job that missed three), it fails, naming the game
        for night in (1, 5):
            summary = _night(settings, api, nights[night], f"night-{night}")
            assert summary.status == "fail"
            status, message = _audit_row(settings, f"night-{night}", AGREES)
            assert status == "fail" and late in message and "no box score" in message
        # AND the night the API publishes it, that night's requests reach back to it, and it lands
        published = _night(settings, api, nights[6], "night-6")
    assert published.status == "success"
    assert published.plan is not None and [game.game_id for game in published.plan.stale_games] == [late]
    assert_marts_equal_truth(settings, league.truth(SEASON, ALL_TYPES, nights[6]))


def test_a_month_old_correction_arrives_the_next_night_through_the_schedule_at_three_data_requests(
    database_env: dict[str, str]
) -> None:
    # GIVEN a season synced, then a correction of a game a month old, far behind the lookback
    league = SyntheticLeague([SEASON], seed=22)
    with FakeStatsAPI(league, now=NIGHT) as api:
        settings = make_settings(database_env, api)
        run_elt(settings, today=NIGHT)
        game_id, player_id = query(
            settings, "select game_id, player_id from nba.player_game_stats where game_date < %s "
            "and points >= 10 order by game_date, game_id, player_id limit 1", (NIGHT - timedelta(days=30),))[0]
        league.correct_stat(game_id, player_id, 3)
        # WHEN the next night syncs: only the schedule's score says the game changed
        summary = _night(settings, api, NIGHT + timedelta(days=1), "reconciled")
    # THEN that night's requests reach back to the game, no more of them, and the marts agree
    game_date = league.game(game_id).game_date
    assert summary.plan is not None and summary.plan.date_from == game_date
    assert [game.game_id for game in summary.plan.stale_games] == [game_id]
    assert {request.params.get("DateFrom") for request in api.requests if request.endpoint == "leaguegamelog"} \
        == {game_date.strftime("%m/%d/%Y")}
    assert_marts_equal_truth(settings, league.truth(SEASON, ALL_TYPES, api.now))
    (message,), = query(settings, "select message from audit.pipeline_audit where run_id = 'reconciled' "
                                  "and step = 'extract_load'")
    assert game_id in message and "reaching back" in message


def test_a_score_the_api_never_fixes_fails_the_audit_naming_the_game_and_make_elt_exits_1_after_loading(
    database_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a season synced, then a schedule whose score of a game ten days old disagrees with
    # its box score for good
    league = SyntheticLeague([SEASON], seed=43)
    skewed = _regular_season_game(league, NIGHT - timedelta(days=10))
    with FakeStatsAPI(league, now=NIGHT) as api:
        settings = make_settings(database_env, api)
        run_elt(settings, today=NIGHT)
        league.skew_schedule_score(skewed, 2)
        api.now = NIGHT + timedelta(days=1)
        api.clear_requests()
        for name, value in {**database_env, "NBA_STATS_BASE_URL": api.base_url, "NBA_SEASON": SEASON,
                            "NBA_REQUEST_DELAY": "0", "NBA_REQUEST_JITTER": "0", "NBA_PLAY_BY_PLAY": "off"}.items():
            monkeypatch.setenv(name, value)
        # WHEN the nightly command runs
        exit_code = main(["elt"])
        requests = _data_requests(api)
    # THEN it exits 1, after loading everything, with the audit naming the game and both scores
    assert exit_code == 1 and requests == 3
    (message,), = query(settings, "select message from audit.pipeline_audit where name = %s and status = 'fail'",
                        (AGREES,))
    game = league.game(skewed)
    home, away = game.points(game.home_id), game.points(game.away_id)
    home_team, away_team = (team_by_id(team).abbreviation for team in (game.home_id, game.away_id))
    assert message == (f"1 row breaks the rule: {skewed} "
                       f"(schedule {home_team} {home + 2}-{away} {away_team}, box score {home}-{away})")
    assert_marts_equal_truth(settings, league.truth(SEASON, ALL_TYPES, NIGHT + timedelta(days=1)))


def test_a_stat_the_api_left_out_warns_naming_the_game_and_is_filled_in_the_next_night(
    database_env: dict[str, str]
) -> None:
    # GIVEN a game ten days old whose field goals made and assists the API sends as null
    # (for one night only), far behind the lookback of the following nights
    league = SyntheticLeague([SEASON], seed=44)
    gappy = _regular_season_game(league, NIGHT - timedelta(days=10))
    for column in ("FGM", "AST"):
        league.null_stat(gappy, column, until=NIGHT + timedelta(days=1))
    with FakeStatsAPI(league, now=NIGHT) as api:
        settings = make_settings(database_env, api)
        # WHEN the first night loads it THEN the run warns, naming the game and the stats
        first = _night(settings, api, NIGHT, "gappy")
        assert first.status == "warn" and first.warned_audits == [KEEPS_STATS]
        status, message = _audit_row(settings, "gappy", KEEPS_STATS)
        assert status == "warn" and gappy in message and "field_goals_made, assists missing" in message
        assert query(settings, "select count(*) from nba.player_game_stats where game_id = %s "
                               "and field_goals_made is null", (gappy,))[0][0] > 0
        # AND the next night, the API recovered, the game is fetched again and whole
        healed = _night(settings, api, NIGHT + timedelta(days=1), "healed")
    assert healed.status == "success"
    assert healed.plan is not None and [game.game_id for game in healed.plan.stale_games] == [gappy]
    assert query(settings, "select count(*) from nba.player_game_stats where field_goals_made is null "
                           "or assists is null") == [(0,)]
    assert query(settings, "select count(*) from audit.box_score_gaps") == [(0,)]
    assert_marts_equal_truth(settings, league.truth(SEASON, ALL_TYPES, api.now))
