"""Play-by-play, night by night and in a backfill: one request per game that needs it, a game's
actions replaced whole, unpublished games asked again, corrections re-fetched, faults survived."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import date, timedelta

import pytest
from conftest import SEASON, make_settings, mart_snapshot, query
from test_processes import REPO_ROOT, _env, _wait_for

from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.database import connect
from loader.nba_stats.helpers import MissingColumnError, StatsAPIError
from loader.ops.status import collect_status
from loader.runs.backfill import run_backfill
from loader.runs.nightly import run_elt
from loader.runs.play_by_play import Spool

ALL_TYPES = ("Regular Season", "PlayIn", "Playoffs")
#: The season's first week: some fifty games, each a request.
FIRST_WEEK = date(2024, 10, 29)


def _completed(league: SyntheticLeague, now: date) -> set[str]:
    return set(league.truth(SEASON, ALL_TYPES, now)["completed"])


def _play_by_play_requests(api: FakeStatsAPI) -> list[str]:
    return [request.params["GameID"] for request in api.requests if request.endpoint == "playbyplayv3"]


def _games_with_play_by_play(settings) -> set[str]:  # type: ignore[no-untyped-def]
    return {game_id for game_id, in query(settings, "select distinct game_id from raw.play_by_play_actions")}


def _assert_events_agree_with_truth(settings, league: SyntheticLeague, games: set[str]) -> None:  # type: ignore[no-untyped-def]
    """The marts' period scores are the league's, game by game."""
    rows = query(settings, "select game_id, team_id, period, points from nba.game_period_scores order by 1, 2, 3")
    held: dict[tuple[str, int], list[int]] = {}
    for game_id, team_id, _period, points in rows:
        held.setdefault((game_id, team_id), []).append(points)
    want = {(game_id, team_id): periods for game_id in games
            for team_id, periods in league.period_points(game_id).items()}
    assert held == want


def test_a_night_fetches_each_completed_games_play_by_play_once_and_the_next_night_only_the_new(
    database_env: dict[str, str], league: SyntheticLeague
) -> None:
    with FakeStatsAPI(league, now=FIRST_WEEK) as api:
        settings = make_settings(database_env, api, NBA_PLAY_BY_PLAY="on")
        summary = run_elt(settings, today=FIRST_WEEK)
        first_night = _completed(league, FIRST_WEEK)
        assert summary.status == "success", summary.failed_audits
        assert sorted(_play_by_play_requests(api)) == sorted(first_night)
        assert summary.play_by_play_games == len(first_night)
        _assert_events_agree_with_truth(settings, league, first_night)

        api.clear_requests()
        api.now = FIRST_WEEK + timedelta(days=1)
        summary = run_elt(settings, today=api.now, audit=False)
        new = _completed(league, api.now) - first_night
        assert new and sorted(_play_by_play_requests(api)) == sorted(new)
        data_requests = [request for request in api.requests if request.endpoint != "commonteamyears"]
        assert len(data_requests) == 3 + len(new), "the three season-level requests, and a request a game"
        _assert_events_agree_with_truth(settings, league, first_night | new)
        ran = query(settings, "select message from audit.pipeline_audit where step = 'run' order by started_at desc")
        assert f"({len(new)} for play-by-play)" in ran[0][0]
        # The status (and the Pulse, which shows it) counts the night's play-by-play apart
        steps = {step["step"]: step for step in collect_status(settings)["last_run"]["steps"]}
        assert steps["play_by_play"]["api_requests"] == len(new)
        assert steps["extract_load"]["api_requests"] == 3


def test_a_game_not_published_yet_is_asked_again_each_night_and_warned_of_after_two_days(
    database_env: dict[str, str]
) -> None:
    league = SyntheticLeague([SEASON], seed=7)
    # The season's first game, a week old on the first night
    late = min(_completed(league, FIRST_WEEK))
    league.delay_play_by_play(late, until=FIRST_WEEK + timedelta(days=2))
    with FakeStatsAPI(league, now=FIRST_WEEK) as api:
        settings = make_settings(database_env, api, NBA_PLAY_BY_PLAY="on")
        summary = run_elt(settings, today=FIRST_WEEK)
        assert late in _play_by_play_requests(api) and late not in _games_with_play_by_play(settings)
        assert summary.status == "warn" and "assert_completed_matches_have_play_by_play" in summary.warned_audits
        warned = query(settings, "select message from audit.pipeline_audit where name = "
                       "'assert_completed_matches_have_play_by_play' order by started_at desc")
        assert late in warned[0][0]
        api.clear_requests()
        api.now = FIRST_WEEK + timedelta(days=1)
        run_elt(settings, today=api.now, audit=False)
        assert late in _play_by_play_requests(api), "asked again the next night"
        # Once published, it is loaded, and the warning goes
        api.now = FIRST_WEEK + timedelta(days=2)
        summary = run_elt(settings, today=api.now)
    assert late in _games_with_play_by_play(settings)
    assert summary.status == "success", summary.warned_audits


def test_a_box_score_correction_refetches_that_games_play_by_play_and_replaces_its_actions_whole(
    database_env: dict[str, str]
) -> None:
    league = SyntheticLeague([SEASON], seed=7)
    with FakeStatsAPI(league, now=FIRST_WEEK) as api:
        settings = make_settings(database_env, api, NBA_PLAY_BY_PLAY="on")
        run_elt(settings, today=FIRST_WEEK, audit=False)
        corrected = query(settings, "select game_id, player_id from nba.player_game_stats "
                          "where game_date = %s and points > 10 order by game_id, player_id limit 1",
                          (FIRST_WEEK - timedelta(days=1),))[0]
        # An action the API will not send again (as if it had since removed it)
        with connect(settings) as database:
            database.execute("insert into raw.play_by_play_actions (game_id, action_id, period, season, season_type, "
                             "_dlt_load_id, _dlt_id) values (%s, 99999, 1, %s, 'Regular Season', 'x', 'x')",
                             (corrected[0], SEASON))
        league.correct_stat(corrected[0], corrected[1], points_delta=2)
        api.clear_requests()
        api.now = FIRST_WEEK + timedelta(days=1)
        summary = run_elt(settings, today=api.now)
    assert corrected[0] in _play_by_play_requests(api)
    assert summary.status == "success", summary.failed_audits
    assert query(settings, "select count(*) from raw.play_by_play_actions where action_id = 99999") == [(0,)]
    duplicates = query(settings, "select count(*) from (select game_id, action_id from raw.play_by_play_actions "
                       "group by game_id, action_id having count(*) > 1) as copies")
    assert duplicates == [(0,)]
    _assert_events_agree_with_truth(settings, league, _completed(league, api.now))


def test_a_play_by_play_request_that_fails_for_good_leaves_the_box_scores_whole_and_ends_the_run_in_error(
    database_env: dict[str, str], league: SyntheticLeague
) -> None:
    with FakeStatsAPI(league, now=FIRST_WEEK) as api:
        settings = make_settings(database_env, api, NBA_PLAY_BY_PLAY="on", NBA_MAX_RETRIES="2")
        # Two throttled answers are retried; then the API stops answering play-by-play
        api.add_fault("playbyplayv3", "429", times=2)
        api.add_fault("playbyplayv3", "503", times=1000, after=12)
        with pytest.raises(StatsAPIError, match="playbyplayv3"):
            run_elt(settings, today=FIRST_WEEK, audit=False)
        truth = league.truth(SEASON, ALL_TYPES, FIRST_WEEK)
        assert query(settings, "select count(*) from nba.matches where is_completed") == [(len(truth["completed"]),)]
        assert len(_games_with_play_by_play(settings)) == 10, "the games that came before the failure are loaded"
        step = query(settings, "select status, message from audit.pipeline_audit where step = 'play_by_play' "
                     "order by started_at desc")[0]
        assert step[0] == "error" and "10 of" in step[1]
        run = query(settings, "select status from audit.pipeline_audit where step = 'run' order by started_at desc")
        assert run[0] == ("error",)
        # The next night fetches the rest, and only the rest
        api.clear_faults()
        api.clear_requests()
        summary = run_elt(settings, today=FIRST_WEEK, audit=False)
    assert summary.status == "success"
    assert len(_play_by_play_requests(api)) == len(truth["completed"]) - 10
    assert _games_with_play_by_play(settings) == set(truth["completed"])


@pytest.mark.parametrize("fault", ["html", "reset"])
def test_a_bad_play_by_play_answer_is_retried(
    database_env: dict[str, str], league: SyntheticLeague, fault: str
) -> None:
    with FakeStatsAPI(league, now=FIRST_WEEK) as api:
        settings = make_settings(database_env, api, NBA_PLAY_BY_PLAY="on")
        api.add_fault("playbyplayv3", fault, times=2, after=3)
        summary = run_elt(settings, today=FIRST_WEEK, audit=False)
    completed = _completed(league, FIRST_WEEK)
    assert summary.status == "success"
    assert len(_play_by_play_requests(api)) == len(completed) + 2
    assert _games_with_play_by_play(settings) == completed


def test_a_play_by_play_that_lost_a_key_the_marts_need_fails_by_name_and_loads_no_actions_of_it(
    database_env: dict[str, str], league: SyntheticLeague
) -> None:
    with FakeStatsAPI(league, now=FIRST_WEEK) as api:
        settings = make_settings(database_env, api, NBA_PLAY_BY_PLAY="on")
        api.add_fault("playbyplayv3", "missing_column", column="shotValue", times=1000)
        with pytest.raises(MissingColumnError, match="SHOT_VALUE"):
            run_elt(settings, today=FIRST_WEEK, audit=False)
    assert _games_with_play_by_play(settings) == set()
    assert query(settings, "select count(*) from nba.matches where is_completed")[0][0] > 0


def test_a_backfill_of_play_by_play_killed_midway_loses_only_the_game_in_flight(
    database_env: dict[str, str], new_database, league: SyntheticLeague  # type: ignore[no-untyped-def]
) -> None:
    now = FIRST_WEEK + timedelta(days=7)
    with FakeStatsAPI(league, now=now) as api:
        # The server ends the killed process's session (and its run lock) a moment after the kill
        settings = make_settings(database_env, api, NBA_PLAY_BY_PLAY="on", NBA_LOCK_WAIT="60")
        spool = Spool.for_database(settings)
        env = _env(database_env, api, NBA_REQUEST_DELAY="0.05", NBA_PLAY_BY_PLAY="on")
        victim = subprocess.Popen([sys.executable, "-m", "loader", "backfill", "--from", SEASON, "--to", SEASON,
                                   "--play-by-play"], cwd=REPO_ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # WHEN a dozen games are spooled and none loaded yet, the backfill is killed
        _wait_for(lambda: len(spool.games()) >= 12, timeout=120)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        spooled = spool.games()
        fetched = set(_play_by_play_requests(api))
        assert len(fetched - spooled) <= 1, "at most the game in flight is lost"
        api.clear_requests()
        summary = run_backfill(settings, SEASON, SEASON, today=now, play_by_play=True)
        assert summary.status == "success", summary.failed_audits
        completed = _completed(league, now)
        assert not set(_play_by_play_requests(api)) & spooled, "what the spool held is not asked for again"
        assert _games_with_play_by_play(settings) == completed
        assert spool.games() == set()
        clean = make_settings(new_database(), api, NBA_PLAY_BY_PLAY="on")
        run_backfill(clean, SEASON, SEASON, today=now, play_by_play=True)
    assert mart_snapshot(settings) == mart_snapshot(clean)
