"""Real recorded API responses, served by the fake API, through the whole pipeline."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import FIXTURES, make_settings, query

from fake_stats import FakeStatsAPI
from loader.nba_stats.helpers import StatsClient, changed_games, schedule_games
from loader.nba_stats.settings import GAME_ID, GAME_STATUS, SCHEDULE_COLUMNS
from loader.runs.dbt import run_dbt
from loader.runs.nightly import run_elt
from loader.runs.play_by_play import fetch_game
from loader.runs.steps import AuditsFailed, load_play_by_play

PLAY_BY_PLAY = FIXTURES / "playbyplayv3" / "GameID-0022200552.json"
LINE_SCORE = FIXTURES / "boxscoresummaryv2" / "GameID-0022200552.json"
BOX_SCORE = FIXTURES / "boxscoretraditionalv3" / "GameID-0022200552.json"
TEAM_LOG_2018 = FIXTURES / "leaguegamelog" / "Season-2018-19_SeasonType-Regular-Season_PlayerOrTeam-T.json"
SCHEDULE_2023 = FIXTURES / "scheduleleaguev2" / "Season-2023-24__cdn-scheduleLeagueV2_captured-2023-09-16.json"


def _recorded_scores() -> dict[str, tuple[int, int, int, int]]:
    """game_id -> (home team, away team, home points, away points), home being the 'vs.' row."""
    result_set = json.loads(TEAM_LOG_2018.read_text())["resultSets"][0]
    rows = [dict(zip(result_set["headers"], row, strict=True)) for row in result_set["rowSet"]]
    games: dict[str, dict[str, dict]] = {}
    for row in rows:
        side = "home" if " vs. " in row["MATCHUP"] else "away"
        games.setdefault(row["GAME_ID"], {})[side] = row
    return {game_id: (sides["home"]["TEAM_ID"], sides["away"]["TEAM_ID"], sides["home"]["PTS"], sides["away"]["PTS"])
            for game_id, sides in games.items()}


def test_the_recorded_2018_19_team_log_yields_1230_matches_with_their_recorded_scores(
    database_env: dict[str, str]
) -> None:
    with FakeStatsAPI.from_recorded(TEAM_LOG_2018) as api:
        settings = make_settings(database_env, api, NBA_SEASON="2018-19", NBA_SEASON_TYPES="Regular Season")
        # The recording has no player log, so the player-rows audit fails, and only it.
        with pytest.raises(AuditsFailed, match="1 audit.s. failed: assert_completed_matches_have_player_rows"):
            run_elt(settings, today=date(2019, 4, 11))
    matches = query(settings, "select game_id, home_team_id, away_team_id, home_score, away_score "
                              "from nba.matches where is_completed")
    assert len(matches) == 1230
    assert {game_id: tuple(rest) for game_id, *rest in matches} == _recorded_scores()
    team_rows = query(settings, "select count(*), count(distinct game_id) from nba.team_game_stats")
    assert team_rows == [(2460, 1230)]


def test_the_recorded_2023_24_schedule_loads_placeholders_included(database_env: dict[str, str]) -> None:
    with FakeStatsAPI.from_recorded(SCHEDULE_2023) as api:
        settings = make_settings(database_env, api, NBA_SEASON="2023-24")
        summary = run_elt(settings, today=date(2023, 9, 20))
        assert [request.endpoint for request in api.requests if request.endpoint != "commonteamyears"] == \
            ["scheduleleaguev2"], "before the season no game log is due"
    assert summary.rows_per_table["schedule_games"] == 1280
    by_type = dict(query(settings, "select season_type, count(*) from nba.matches group by season_type"))
    assert by_type == {"Regular Season": 1206}, "preseason games and the NBA Cup final stay out"
    placeholders = query(settings, "select game_id from nba.matches where home_team_id is null order by game_id")
    assert [game_id for (game_id,) in placeholders] == [
        "0022301201", "0022301202", "0022301203", "0022301204", "0022301229", "0022301230"
    ], "the NBA Cup knockout games, whose teams were not known in September"
    assert query(settings, "select count(*) from nba.matches where is_completed") == [(0,)]
    columns = {name for (name,) in query(settings, "select column_name from information_schema.columns "
                                                   "where table_schema = 'raw' and table_name = 'schedule_games'")}
    assert set(SCHEDULE_COLUMNS) <= columns, "dlt names the API's fields as the column hints do"
    assert "home_team__team_city" in columns and all(name == name.lower() for name in columns)
    children = query(settings, "select table_name from information_schema.tables where table_schema = 'raw' "
                               "and substr(table_name, 1, 16) = 'schedule_games__' order by 1")
    assert [name for (name,) in children] == [
        "schedule_games__broadcasters__away_tv_broadcasters",
        "schedule_games__broadcasters__home_tv_broadcasters",
        "schedule_games__broadcasters__intl_tv_broadcasters",
    ], "the few broadcaster lists the September capture holds become dlt's child tables"
    for (name,) in children:  # counted from the files on PostgreSQL (dlt's CSV writer counts values)
        assert summary.rows_per_table[name] == query(settings, f"select count(*) from raw.{name}")[0][0], name


def test_a_schedule_game_keeps_its_fingerprint_whatever_the_order_of_its_fields() -> None:
    """``row_hash`` tells a night's load which games changed: the API reordering its fields is no change."""
    schedule = json.loads(SCHEDULE_2023.read_text())["leagueSchedule"]
    games = schedule_games(schedule)
    reordered = {**schedule, "gameDates": [
        {**day, "games": [dict(reversed(list(game.items()))) for game in day["games"]]}
        for day in schedule["gameDates"]
    ]}
    assert [game["row_hash"] for game in schedule_games(reordered)] == [game["row_hash"] for game in games]

    stored = {game[GAME_ID]: game["row_hash"] for game in games}
    schedule["gameDates"][3]["games"][0][GAME_STATUS] = 3
    changed = changed_games(schedule_games(schedule), stored)
    assert [game[GAME_ID] for game in changed] == [schedule["gameDates"][3]["games"][0][GAME_ID]]


def _recorded_line_score() -> dict[int, list[int]]:
    """team id -> points of each period played (the LineScore's overtimes beyond the game's are 0)."""
    (result_set,) = [rs for rs in json.loads(LINE_SCORE.read_text())["resultSets"] if rs["name"] == "LineScore"]
    periods = ["PTS_QTR1", "PTS_QTR2", "PTS_QTR3", "PTS_QTR4", *(f"PTS_OT{n}" for n in range(1, 11))]
    rows = [dict(zip(result_set["headers"], row, strict=True)) for row in result_set["rowSet"]]
    played = 4 + max(sum(1 for n in range(1, 11) if row[f"PTS_OT{n}"]) for row in rows)
    return {row["TEAM_ID"]: [row[period] for period in periods[:played]] for row in rows}


def _recorded_makes() -> dict[int, tuple[int, int, int]]:
    """player id -> made field goals, threes and free throws, as the box score has them."""
    box = json.loads(BOX_SCORE.read_text())["boxScoreTraditional"]
    return {player["personId"]: (player["statistics"]["fieldGoalsMade"], player["statistics"]["threePointersMade"],
                                 player["statistics"]["freeThrowsMade"])
            for team in (box["homeTeam"], box["awayTeam"]) for player in team["players"]}


def test_the_recorded_play_by_play_reproduces_its_games_line_score_and_box_score(
    database_env: dict[str, str]
) -> None:
    with FakeStatsAPI.from_recorded(PLAY_BY_PLAY) as api:
        settings = make_settings(database_env, api, NBA_SEASON="2022-23")
        with StatsClient(settings) as client:
            table = fetch_game(client, "0022200552", "2022-23")
    assert table is not None and table.num_rows == 560
    load_play_by_play(settings, [table])
    result = run_dbt(settings, "run", "--select", "+game_period_scores", "+shots")
    assert result.success, [(node.name, node.message) for node in result.nodes if node.status != "success"]
    periods: dict[int, list[int]] = {}
    for team_id, points in query(settings, "select team_id, points from nba.game_period_scores "
                                 "where game_id = '0022200552' order by team_id, period"):
        periods.setdefault(team_id, []).append(points)
    # CLE 27/20/44/39, OT 15 = 145; CHI 34/31/31/34, OT 4 = 134
    assert periods == _recorded_line_score() == {1610612739: [27, 20, 44, 39, 15], 1610612741: [34, 31, 31, 34, 4]}
    assert query(settings, "select home_score, away_score from nba.game_events where game_id = '0022200552' "
                 "order by action_id desc limit 1") == [(145, 134)]
    makes = query(settings, "select player_id, sum(case when is_field_goal and is_made then 1 else 0 end), "
                  "sum(case when is_field_goal and is_made and shot_value = 3 then 1 else 0 end), "
                  "sum(case when action_type = 'Free Throw' and is_made then 1 else 0 end) "
                  "from nba.game_events where player_id is not null group by player_id")
    scorers = {player: made for player, made in _recorded_makes().items() if any(made)}
    assert {player: tuple(made) for player, *made in makes if any(made)} == scorers
    assert len(scorers) == 19
    assert query(settings, "select count(*), sum(case when is_made then 1 else 0 end) from nba.shots") == [(187, 95)]
