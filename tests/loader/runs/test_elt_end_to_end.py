"""The whole path, API -> dlt raw -> dbt marts -> audits, against the fake API over HTTP."""

from __future__ import annotations

import gc
from datetime import date, timedelta

import pytest
from conftest import MID_SEASON, SEASON, collector_states, make_settings, mart_snapshot, query
from marts import assert_marts_equal_truth, unit_test_names

import loader.runs.nightly
from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.database import connect
from loader.nba_stats.helpers import StatsAPIError
from loader.nba_stats.settings import SEASON_TYPE_DIGITS
from loader.runs.nightly import run_elt

ALL_TYPES = ("Regular Season", "PlayIn", "Playoffs")


def test_marts_equal_the_leagues_truth(database_env: dict[str, str], fake_api: FakeStatsAPI,
                                       league: SyntheticLeague) -> None:
    settings = make_settings(database_env, fake_api)
    summary = run_elt(settings, today=MID_SEASON)
    assert summary.status == "success"
    assert_marts_equal_truth(settings, league.truth(SEASON, ALL_TYPES, MID_SEASON))
    assert not summary.failed_audits
    assert summary.audits is not None and len(summary.audits.nodes) >= 20
    assert not {node.name for node in summary.audits.nodes} & unit_test_names(), "the audits judge data, not SQL"


def test_the_garbage_collector_is_paused_while_a_night_is_fetched_and_loaded_and_on_again_after(
    database_env: dict[str, str], fake_api: FakeStatsAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    states = collector_states(monkeypatch, loader.runs.nightly, "fetch_game_logs", "load_raw")
    settings = make_settings(database_env, fake_api, NBA_MAX_RETRIES="1")
    assert gc.isenabled()
    run_elt(settings, today=MID_SEASON, audit=False)
    assert {name: [on for on, _ in calls] for name, calls in states.items()} == \
        {"fetch_game_logs": [False], "load_raw": [False]}
    assert gc.isenabled()
    # A night that fails mid-fetch turns it back on as well
    fake_api.add_fault("leaguegamelog", "503", times=10)
    with pytest.raises(StatsAPIError):
        run_elt(settings, today=MID_SEASON, audit=False)
    assert [on for on, _ in states["fetch_game_logs"]] == [False, False] and gc.isenabled()


def test_two_runs_in_a_row_leave_identical_tables(database_env: dict[str, str], fake_api: FakeStatsAPI) -> None:
    settings = make_settings(database_env, fake_api)
    run_elt(settings, today=MID_SEASON, audit=False)
    first = mart_snapshot(settings)
    raw_first = query(settings, "select count(*) from raw.player_game_logs")
    season_types = query(settings, "select distinct substr(game_id, 3, 1), season_type from raw.schedule_games "
                         "order by 1")
    assert season_types and set(season_types) <= {(digit, name) for name, digit in SEASON_TYPE_DIGITS.items()}
    # Schedule rows as a loader that did not write the season type left them: the next load fills it in
    with connect(settings) as database:
        database.execute("update raw.schedule_games set season_type = null")
    run_elt(settings, today=MID_SEASON)
    assert query(settings, "select distinct substr(game_id, 3, 1), season_type from raw.schedule_games "
                 "order by 1") == season_types
    assert mart_snapshot(settings) == first
    assert query(settings, "select count(*) from raw.player_game_logs") == raw_first
    duplicates = query(
        settings, "select count(*) from (select game_id, player_id from raw.player_game_logs "
        "group by game_id, player_id having count(*) > 1) as keys"
    )
    assert duplicates == [(0,)]


def test_the_watermark_ignores_scheduled_games_and_a_game_is_loaded_once_final(
    database_env: dict[str, str], league: SyntheticLeague
) -> None:
    night = date(2024, 12, 10)
    with FakeStatsAPI(league, now=night) as api:
        settings = make_settings(database_env, api)
        run_elt(settings, today=night, audit=False)
        watermark = query(settings, "select max(game_date) from nba.matches where is_completed")[0][0]
        later = query(settings, "select game_id from nba.matches where not is_completed and game_date = %s",
                      (night,))
        assert str(watermark)[:10] == str(night - timedelta(days=1))
        assert later, "the fake league has games on the night itself, still scheduled"
        scheduled_game = later[0][0]
        assert query(settings, "select home_score from nba.matches where game_id = %s", (scheduled_game,)) == [(None,)]

        api.now = night + timedelta(days=1)
        api.clear_requests()
        run_elt(settings, today=api.now)
    truth = league.truth(SEASON, ALL_TYPES, night + timedelta(days=1))["completed"][scheduled_game]
    assert query(settings, "select is_completed, home_score, away_score from nba.matches where game_id = %s",
                 (scheduled_game,)) == [(True, truth["home_score"], truth["away_score"])]
    date_froms = {request.params.get("DateFrom") for request in api.requests if request.endpoint == "leaguegamelog"}
    assert date_froms == {(night - timedelta(days=1) - timedelta(days=3)).strftime("%m/%d/%Y")}


def test_a_nightly_sync_in_the_regular_season_makes_three_data_requests_and_merges_what_changed(
    database_env: dict[str, str], fake_api: FakeStatsAPI
) -> None:
    # Play-by-play off: none is asked for (on, a night adds a request per game completed:
    # tests/loader/runs/test_play_by_play.py), and its tables are there, empty
    settings = make_settings(database_env, fake_api, NBA_PLAY_BY_PLAY="off")
    run_elt(settings, today=MID_SEASON, audit=False)
    fake_api.clear_requests()
    fake_api.now = MID_SEASON + timedelta(days=1)
    summary = run_elt(settings, today=fake_api.now)
    # The schedule rows merged are the games that changed: those that went final, and future
    # games whose teams' records moved; the season's earlier, final games are left alone.
    went_final = query(settings, "select count(*) from nba.matches where game_date = %s", (MID_SEASON,))[0][0]
    from_tonight = query(settings, "select count(*) from raw.schedule_games where game_date_est >= %s",
                         (MID_SEASON.isoformat(),))[0][0]
    assert 0 < went_final <= summary.rows_per_table["schedule_games"] <= from_tonight
    data_requests = sorted(
        (request.endpoint, request.params.get("PlayerOrTeam", ""), request.params.get("SeasonType", ""))
        for request in fake_api.requests if request.endpoint != "commonteamyears"
    )
    assert data_requests == [
        ("leaguegamelog", "P", "Regular Season"),
        ("leaguegamelog", "T", "Regular Season"),
        ("scheduleleaguev2", "", ""),
    ]
    assert query(settings, "select count(*) from nba.game_events") == [(0,)]


def test_play_in_and_playoffs_are_synced_once_the_schedule_has_them(
    database_env: dict[str, str], league: SyntheticLeague
) -> None:
    # The season's end: every type has been played (the simulation of a season of nights
    # syncs each as it starts, tests/loader/runs/test_season_of_nights.py)
    now = date(2025, 6, 30)
    with FakeStatsAPI(league, now=now) as api:
        settings = make_settings(database_env, api)
        run_elt(settings, today=now)
    truth = league.truth(SEASON, ALL_TYPES, now)
    assert_marts_equal_truth(settings, truth)
    types = dict(query(settings, "select season_type, count(*) from nba.matches where is_completed group by 1"))
    assert types["PlayIn"] >= 1 and types["Regular Season"] == 1230
    not_synced = query(settings, "select count(*) from nba.matches where substr(game_id, 3, 1) in ('1', '3', '6')")
    assert not_synced == [(0,)], "preseason, All-Star and NBA Cup final games stay out of matches"
