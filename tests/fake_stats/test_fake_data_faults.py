"""Data faults the real API is known for, as the fake serves them over HTTP and as truth() counts them."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from fake_stats import FakeStatsAPI, SyntheticLeague
from fake_stats.league import Game

SEASON = "2024-25"
NOW = date(2025, 1, 15)


@pytest.fixture()
def api() -> Iterator[FakeStatsAPI]:
    """A fresh league per test: the hooks change it for good."""
    with FakeStatsAPI(SyntheticLeague([SEASON, "1985-86"], seed=5), now=NOW) as server:
        yield server


def league_of(api: FakeStatsAPI) -> SyntheticLeague:
    assert api.league is not None
    return api.league


def get_json(api: FakeStatsAPI, endpoint: str, **params: str) -> Any:
    with urllib.request.urlopen(f"{api.base_url}/{endpoint}?{urlencode(params)}", timeout=10) as resp:
        return json.loads(resp.read())


def log_rows(api: FakeStatsAPI, player: bool, **params: str) -> list[dict[str, Any]]:
    rs = get_json(api, "leaguegamelog", Season=SEASON, PlayerOrTeam="P" if player else "T", **params)["resultSets"][0]
    return [dict(zip(rs["headers"], row, strict=True)) for row in rs["rowSet"]]


def scheduled(api: FakeStatsAPI, game_id: str) -> dict[str, Any]:
    doc = get_json(api, "scheduleleaguev2", LeagueID="00", Season=SEASON)
    (game,) = [g for gd in doc["leagueSchedule"]["gameDates"] for g in gd["games"] if g["gameId"] == game_id]
    return game


def final_game(api: FakeStatsAPI, days_before_now: int = 5) -> Game:
    """A designated regular-season game played a few days before the clock."""
    day = (api.now or NOW) - timedelta(days=days_before_now)
    return next(g for g in league_of(api).season(SEASON).games.values()
                if g.type_digit == "2" and g.game_date == day and not g.log_marker)


def test_a_withheld_box_score_is_missing_from_both_logs_until_published_while_the_schedule_says_final(
    api: FakeStatsAPI,
) -> None:
    league, game = league_of(api), final_game(api)
    gid, until = game.game_id, NOW + timedelta(days=3)
    team_before, players_before = log_rows(api, False), log_rows(api, True)  # fills the row cache
    league.withhold_box_score(gid, until)
    team, players = log_rows(api, False), log_rows(api, True)
    assert not any(r["GAME_ID"] == gid for r in team + players)
    assert len(team) == len(team_before) - 2
    assert len(players) == len(players_before) - sum(len(lines) for lines in game.lines.values())
    sched = scheduled(api, gid)
    assert sched["gameStatus"] == 3 and sched["gameStatusText"] == "Final"
    truth = league.truth(SEASON, ["Regular Season"], NOW)
    completed = truth["completed"][gid]
    assert (sched["homeTeam"]["score"], sched["awayTeam"]["score"]) == (completed["home_score"],
                                                                         completed["away_score"])
    # truth counts what a correct pipeline ends with once the API publishes: the withheld game in full
    assert truth["team_rows"] == len(team_before) and truth["player_rows"] == len(players_before)
    assert truth["withheld"] == {gid: until.isoformat()}
    api.now = until - timedelta(days=1)
    assert not any(r["GAME_ID"] == gid for r in log_rows(api, False))
    api.now = until
    assert sum(r["GAME_ID"] == gid for r in log_rows(api, False)) == 2
    assert {r["PLAYER_ID"] for r in log_rows(api, True) if r["GAME_ID"] == gid} == {
        ln.player_id for lines in game.lines.values() for ln in lines
    }
    assert league.truth(SEASON, ["Regular Season"], until)["withheld"] == {}


def test_a_skewed_schedule_score_differs_from_the_box_score_for_good(api: FakeStatsAPI) -> None:
    league, game = league_of(api), final_game(api)
    gid, box_home, box_away = game.game_id, game.points(game.home_id), game.points(game.away_id)
    league.skew_schedule_score(gid, 3)
    for now in (NOW, date(2026, 1, 1)):
        api.now = now
        sched = scheduled(api, gid)
        assert sched["homeTeam"]["teamId"] == game.home_id
        assert (sched["homeTeam"]["score"], sched["awayTeam"]["score"]) == (box_home + 3, box_away)
        day = {"DateFrom": game.game_date.isoformat(), "DateTo": game.game_date.isoformat()}
        logged = {r["TEAM_ID"]: r["PTS"] for r in log_rows(api, False, **day) if r["GAME_ID"] == gid}
        assert logged == {game.home_id: box_home, game.away_id: box_away}
        completed = league.truth(SEASON, ["Regular Season"], now)["completed"][gid]
        assert (completed["home_score"], completed["away_score"]) == (box_home, box_away)
    with pytest.raises(ValueError, match="no schedule"):
        league.skew_schedule_score(next(iter(league.season("1985-86").games)), 3)


def test_a_null_stat_is_null_on_every_row_of_both_logs_until_its_date_or_until_cleared(api: FakeStatsAPI) -> None:
    league = league_of(api)
    dated, open_ended = final_game(api, 5), final_game(api, 6)
    until = NOW + timedelta(days=2)
    week = {"DateFrom": (NOW - timedelta(days=7)).isoformat(), "DateTo": NOW.isoformat()}
    clean_team, clean_players = log_rows(api, False, **week), log_rows(api, True, **week)
    league.null_stat(dated.game_id, "AST", until=until)
    league.null_stat(open_ended.game_id, "FGM")
    nulled = {dated.game_id: "AST", open_ended.game_id: "FGM"}
    for clean, served in ((clean_team, log_rows(api, False, **week)), (clean_players, log_rows(api, True, **week))):
        assert len(served) == len(clean)
        for before, now in zip(clean, served, strict=True):
            column = nulled.get(now["GAME_ID"])
            if column is None:
                assert now == before
            else:
                assert now[column] is None and before[column] is not None
                assert {k: v for k, v in now.items() if k != column} == {
                    k: v for k, v in before.items() if k != column}
    truth = league.truth(SEASON, ["Regular Season"], NOW)
    assert truth["null_stats"] == {dated.game_id: ["AST"], open_ended.game_id: ["FGM"]}
    assert truth["team_rows"] == len(log_rows(api, False)), "a null stat drops no row"
    api.now = until
    team = log_rows(api, False, **week)
    assert all(isinstance(r["AST"], int) for r in team if r["GAME_ID"] == dated.game_id)
    assert all(r["FGM"] is None for r in team if r["GAME_ID"] == open_ended.game_id)
    api.now = date(2026, 1, 1)
    assert all(r["FGM"] is None for r in log_rows(api, True, **week) if r["GAME_ID"] == open_ended.game_id)
    league.clear_null_stat(open_ended.game_id)
    assert all(isinstance(r["FGM"], int) for r in log_rows(api, True, **week) if r["GAME_ID"] == open_ended.game_id)
    assert league.truth(SEASON, ["Regular Season"], api.now)["null_stats"] == {}
    with pytest.raises(ValueError, match="unknown box-score column"):
        league.null_stat(dated.game_id, "GAME_DATE")


def test_a_redesignated_game_swaps_sides_in_the_schedule_only_and_truth_follows_the_schedule(
    api: FakeStatsAPI,
) -> None:
    league, game = league_of(api), final_game(api)
    gid, home, away = game.game_id, game.home_id, game.away_id
    league.redesignate(gid)
    sched = scheduled(api, gid)
    assert (sched["homeTeam"]["teamId"], sched["awayTeam"]["teamId"]) == (away, home)
    assert (sched["homeTeam"]["score"], sched["awayTeam"]["score"]) == (game.points(away), game.points(home))
    tricode = {home: sched["awayTeam"]["teamTricode"], away: sched["homeTeam"]["teamTricode"]}
    assert sched["gameCode"].endswith(f"/{tricode[home]}{tricode[away]}")  # away then home, as designated
    day = {"DateFrom": game.game_date.isoformat(), "DateTo": game.game_date.isoformat()}
    matchups = {r["TEAM_ID"]: r["MATCHUP"] for r in log_rows(api, False, **day) if r["GAME_ID"] == gid}
    assert matchups == {home: f"{tricode[home]} vs. {tricode[away]}", away: f"{tricode[away]} @ {tricode[home]}"}
    assert {(r["TEAM_ID"], r["MATCHUP"]) for r in log_rows(api, True, **day) if r["GAME_ID"] == gid} == set(
        matchups.items())
    completed = league.truth(SEASON, ["Regular Season"], NOW)["completed"][gid]
    assert (completed["home"], completed["away"]) == (away, home)
    assert (completed["home_score"], completed["away_score"]) == (game.points(away), game.points(home))
    league.redesignate(gid)  # a second call swaps them back
    assert scheduled(api, gid)["homeTeam"]["teamId"] == home
    assert league.truth(SEASON, ["Regular Season"], NOW)["completed"][gid]["home"] == home
    with pytest.raises(ValueError, match="no schedule"):
        league.redesignate(next(iter(league.season("1985-86").games)))
