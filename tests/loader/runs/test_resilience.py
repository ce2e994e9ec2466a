"""Runs against the NBA API's known faults and the data's known changes (issue: resilience).

Transient faults end in a retry and exact data; persistent ones in an `error` run with a
clear message, an audit row and the marts as they were; data changes (corrections,
postponements, new columns) in updated rows and never a lost or duplicated one.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import SEASON, make_settings, mart_snapshot, query
from marts import assert_marts_equal_truth

from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.cli import main
from loader.nba_stats.helpers import MissingColumnError, StatsAPIError
from loader.runs.nightly import run_elt

ALL_TYPES = ("Regular Season", "PlayIn", "Playoffs")
NIGHT = date(2024, 12, 1)


def _audit_rows(settings, run_id: str) -> list[tuple]:
    return query(settings, "select step, name, status, message, error_traceback from audit.pipeline_audit "
                           "where run_id = %s order by started_at", (run_id,))


def test_transient_faults_on_every_endpoint_are_retried_and_the_marts_are_exact(
    database_env: dict[str, str], league: SyntheticLeague
) -> None:
    with FakeStatsAPI(league, now=NIGHT) as api:
        for endpoint, kind in [("scheduleleaguev2", "429"), ("scheduleleaguev2", "html"),
                               ("leaguegamelog", "503"), ("leaguegamelog", "reset"),
                               ("leaguegamelog", "truncated"), ("leaguegamelog", "empty")]:
            api.add_fault(endpoint, kind)
        settings = make_settings(database_env, api, NBA_REQUEST_TIMEOUT="1")
        summary = run_elt(settings, today=NIGHT)
    assert summary.status == "success"
    assert_marts_equal_truth(settings, league.truth(SEASON, ALL_TYPES, NIGHT))


def test_a_persistent_fault_ends_the_run_as_error_and_leaves_the_marts_as_they_were(
    database_env: dict[str, str], league: SyntheticLeague
) -> None:
    # GIVEN a database synced last night
    with FakeStatsAPI(league, now=NIGHT) as api:
        settings = make_settings(database_env, api, NBA_MAX_RETRIES="2")
        run_elt(settings, today=NIGHT, audit=False)
        before = mart_snapshot(settings)
        raw_before = query(settings, "select count(*) from raw.team_game_logs")
        # WHEN tonight the team log answers but the player log keeps failing
        api.now = NIGHT + timedelta(days=2)
        api.add_fault("leaguegamelog", "502", times=100, after=1)
        with pytest.raises(StatsAPIError, match="leaguegamelog.*PlayerOrTeam=P.*HTTP 502"):
            run_elt(settings, today=api.now, run_id="night-of-502s")
        # THEN nothing of tonight's games landed, and the run says why
        assert mart_snapshot(settings) == before
        assert query(settings, "select count(*) from raw.team_game_logs") == raw_before
        rows = {(step, status): (message, trace) for step, _, status, message, trace in
                _audit_rows(settings, "night-of-502s")}
        assert "HTTP 502" in rows[("run", "error")][0]
        assert "StatsAPIError" in rows[("extract_load", "error")][1]
        # AND the next run, the API healed, catches up exactly
        api.clear_faults()
        run_elt(settings, today=api.now)
    assert_marts_equal_truth(settings, league.truth(SEASON, ALL_TYPES, NIGHT + timedelta(days=2)))


def test_a_new_column_is_loaded_and_reported_as_a_warning(
    database_env: dict[str, str], fake_api: FakeStatsAPI, league: SyntheticLeague
) -> None:
    fake_api.add_fault("leaguegamelog", "extra_column", times=2)
    settings = make_settings(database_env, fake_api)
    summary = run_elt(settings, today=fake_api.now, run_id="new-column")
    assert summary.status == "warn"
    warnings = [(name, message) for step, name, status, message, _ in _audit_rows(settings, "new-column")
                if status == "warn"]
    assert ("api_columns_team_game_logs", "the stats API changed the columns of team_game_logs: new column NEW_STAT") \
        in warnings
    assert query(settings, "select count(*) from raw.team_game_logs where new_stat is not null")[0][0] > 0
    assert_marts_equal_truth(settings, league.truth(SEASON, ALL_TYPES, fake_api.now))


def test_a_missing_column_that_a_mart_needs_fails_the_run_naming_it(
    database_env: dict[str, str], fake_api: FakeStatsAPI
) -> None:
    fake_api.add_fault("leaguegamelog", "missing_column", column="PTS")
    settings = make_settings(database_env, fake_api)
    with pytest.raises(MissingColumnError, match=r"lacks the column\(s\) PTS that the marts need"):
        run_elt(settings, today=fake_api.now, run_id="no-points")
    assert not query(settings, "select count(*) from information_schema.tables where table_schema = 'nba'")[0][0]
    statuses = {(step, status) for step, _, status, _, _ in _audit_rows(settings, "no-points")}
    assert ("run", "error") in statuses


def test_a_missing_column_no_mart_needs_loads_as_null_with_a_warning(
    database_env: dict[str, str], fake_api: FakeStatsAPI
) -> None:
    fake_api.add_fault("leaguegamelog", "missing_column", column="FG3_PCT", times=2)
    settings = make_settings(database_env, fake_api)
    summary = run_elt(settings, today=fake_api.now)
    assert summary.status == "warn"
    assert any("FG3_PCT no longer sent" in change for change in summary.column_changes["team_game_logs"])


def test_a_postponed_game_moves_and_a_cancelled_one_stays_scheduled(database_env: dict[str, str]) -> None:
    league = SyntheticLeague([SEASON], seed=23)
    with FakeStatsAPI(league, now=NIGHT) as api:
        settings = make_settings(database_env, api)
        run_elt(settings, today=NIGHT, audit=False)
        postponed, cancelled = [row[0] for row in query(
            settings, "select game_id from nba.matches where game_date = %s order by game_id limit 2",
            (NIGHT + timedelta(days=1),))]
        league.postpone(postponed, NIGHT + timedelta(days=5))
        league.postpone(cancelled, date(2025, 7, 31))  # after the season: never played
        # the night it was due, the night it is played, and two nights on
        for night in (1, 5, 7):
            api.now = NIGHT + timedelta(days=night)
            run_elt(settings, today=api.now, audit=night == 7)
    rows = dict((game_id, (str(game_date)[:10], done)) for game_id, game_date, done in query(
        settings, "select game_id, game_date, is_completed from nba.matches where game_id in (%s, %s)",
        (postponed, cancelled)))
    assert rows[postponed] == (str(NIGHT + timedelta(days=5)), True)
    assert rows[cancelled] == ("2025-07-31", False)
    assert_marts_equal_truth(settings, league.truth(SEASON, ALL_TYPES, api.now))


def test_a_value_that_does_not_fit_its_column_fails_the_run_naming_endpoint_table_and_column(
    database_env: dict[str, str], fake_api: FakeStatsAPI, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    fake_api.add_fault("leaguegamelog", "bad_value", column="PTS")
    for key, value in {**database_env, "NBA_STATS_BASE_URL": fake_api.base_url, "NBA_SEASON": SEASON,
                       "NBA_REQUEST_DELAY": "0", "NBA_REQUEST_JITTER": "0", "NBA_PLAY_BY_PLAY": "off"}.items():
        monkeypatch.setenv(key, value)
    assert main(["elt"]) == 1
    out = capsys.readouterr().out
    assert ("The stats API's answer to leaguegamelog(Season=2024-25, SeasonType=Regular Season, PlayerOrTeam=T) "
            "has a value that is not a whole number in column PTS: 'abc' for raw.team_game_logs") in out
    assert "Traceback" not in out and "Failed to parse" not in out
    settings = make_settings(database_env, fake_api)
    assert not query(settings, "select count(*) from information_schema.tables where table_schema = 'nba'")[0][0]
