"""History in the synthetic league: each era's teams, games, phases, kept stats, schedules
and neutral-site games, as the fake serves them."""

from __future__ import annotations

import json
import re
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest

from fake_stats import FakeStatsAPI, SyntheticLeague, wire
from fake_stats.league import (
    BOX_COLUMNS,
    DEFAULT_SCHEDULES_FROM,
    FRANCHISE_ORDER,
    STAT_FIELDS,
    STAT_FIRST_SEASONS,
    TEAMS,
    Era,
    Game,
    Season,
    era_of,
    playoff_field,
    stat_kept,
)

HISTORY = ["1946-47", "1950-51", "1960-61", "1975-76", "1979-80", "1990-91", "2005-06"]
SEASON = "2024-25"
GAME_ID = re.compile(r"00[1-6]\d{7}")  # 00, type digit, 2-digit year, 5 digits


@pytest.fixture(scope="module")
def league() -> SyntheticLeague:
    return SyntheticLeague([*HISTORY, SEASON], seed=2)


@pytest.fixture(scope="module")
def api(league: SyntheticLeague) -> Iterator[FakeStatsAPI]:
    with FakeStatsAPI(league, now=None) as server:
        yield server


def get_json(api: FakeStatsAPI, endpoint: str, **params: str) -> Any:
    with urllib.request.urlopen(f"{api.base_url}/{endpoint}?{urlencode(params)}", timeout=10) as resp:
        return json.loads(resp.read())


def log_rows(api: FakeStatsAPI, season: str, player: bool, **params: str) -> list[dict[str, Any]]:
    doc = get_json(api, "leaguegamelog", Season=season, PlayerOrTeam="P" if player else "T", **params)
    rs = doc["resultSets"][0]
    return [dict(zip(rs["headers"], row, strict=True)) for row in rs["rowSet"]]


def of_type(season: Season, digit: str) -> list[Game]:
    return [g for g in season.games.values() if g.type_digit == digit]


def series_of(season: Season) -> dict[str, list[Game]]:
    """Playoff games by series (round digit + series digit of the game id), in game order."""
    series: dict[str, list[Game]] = defaultdict(list)
    for g in sorted(of_type(season, "4"), key=lambda g: g.game_id):
        series[g.game_id[7:9]].append(g)
    return series


# season: teams, games per team, playoff field, seeded by conference, All-Star, play-in games, Cup final
ERAS = {
    "1946-47": (11, 60, 4, True, False, 0, False),
    "1960-61": (8, 79, 4, False, True, 0, False),
    "1979-80": (22, 82, 8, True, True, 0, False),
    "2005-06": (30, 82, 16, True, True, 0, False),
    "2024-25": (30, 82, 16, True, True, 6, True),
}


@pytest.mark.parametrize("name", list(ERAS))
def test_each_era_has_its_teams_games_and_phases(league: SyntheticLeague, name: str) -> None:
    n_teams, games, field_size, by_conference, all_star, play_in, cup = ERAS[name]
    season = league.season(name)
    assert season.era.teams == FRANCHISE_ORDER[:n_teams]
    assert season.era.seeds_by_conference is by_conference
    regular = of_type(season, "2")
    per_team = Counter(t for g in regular for t in (g.home_id, g.away_id))
    assert set(per_team) == {t.team_id for t in FRANCHISE_ORDER[:n_teams]}
    assert set(per_team.values()) == {games} and len(regular) == n_teams * games // 2
    homes = Counter(g.home_id for g in regular)
    assert all(abs(2 * homes[t] - games) <= 6 for t in per_team), "home games are balanced"
    assert sorted(g.game_id for g in regular) == [f"002{name[2:4]}{n:05d}" for n in range(1, len(regular) + 1)]
    assert date(int(name[:4]), 10, 20) <= season.first_regular_date
    assert season.last_regular_date <= date(int(name[:4]) + 1, 4, 15)
    assert of_type(season, "1") and all(g.game_date < season.first_regular_date for g in of_type(season, "1"))
    assert len(of_type(season, "3")) == int(all_star)
    assert len(of_type(season, "5")) == play_in
    assert len(of_type(season, "6")) == int(cup)
    assert all(GAME_ID.fullmatch(g) and g[3:5] == name[2:4] for g in season.games)
    # the playoffs: best-of-7 rounds from a field of field_size down to the Finals, round 4
    series = series_of(season)
    rounds = Counter(key[0] for key in series)
    assert rounds == {str(4 - k): 2**k for k in range(field_size.bit_length() - 1)}  # e.g. 4 teams: rounds 3, 4
    first_round = min(rounds)
    entrants = {t for key, gs in series.items() if key[0] == first_round for g in gs for t in (g.home_id, g.away_id)}
    assert len(entrants) == field_size
    for gs in series.values():
        wins = Counter(g.winner() for g in gs)
        assert 4 <= len(gs) <= 7 and max(wins.values()) == 4 and wins[gs[-1].winner()] == 4
    assert all(g.game_date > season.last_regular_date for g in of_type(season, "4") + of_type(season, "5"))


def test_one_game_per_team_per_day_in_every_era(league: SyntheticLeague) -> None:
    for name in HISTORY:
        seen: set[tuple[int, date]] = set()
        for g in league.season(name).games.values():
            for t in (g.home_id, g.away_id):
                assert (t, g.game_date) not in seen, (name, g.game_id)
                seen.add((t, g.game_date))


def _record(season: Season) -> dict[int, tuple[int, int]]:
    """(-wins, -point differential) per team: the seeding order before the id tiebreak."""
    wins: Counter[int] = Counter()
    diff: Counter[int] = Counter()
    for g in of_type(season, "2"):
        w, margin = g.winner(), abs(g.points(g.home_id) - g.points(g.away_id))
        wins[w] += 1
        diff[w] += margin
        diff[g.opponent(w)] -= margin
    return {t.team_id: (-wins[t.team_id], -diff[t.team_id]) for t in season.era.teams}


@pytest.mark.parametrize("name", ["1960-61", "1979-80"])
def test_small_leagues_seed_league_wide_and_larger_ones_by_conference(league: SyntheticLeague, name: str) -> None:
    season = league.season(name)
    record = _record(season)
    series = series_of(season)
    first_round = min(key[0] for key in series)
    entrants = {t for key, gs in series.items() if key[0] == first_round for g in gs for t in (g.home_id, g.away_id)}
    if season.era.seeds_by_conference:  # the best of each conference, whatever the other's records
        for conf in ("East", "West"):
            teams = sorted((t.team_id for t in season.era.teams if t.conference == conf), key=lambda t: (record[t], t))
            assert set(teams[:4]) <= entrants and not set(teams[4:]) & entrants
    else:  # the league's best, whichever conference they play in
        teams = sorted(record, key=lambda t: (record[t], t))
        assert entrants == set(teams[: season.era.playoff_teams])


def test_a_conference_that_would_leave_fewer_than_two_teams_out_means_one_league_wide_field() -> None:
    east = [t.team_id for t in TEAMS if t.conference == "East"][:5]
    west = [t.team_id for t in TEAMS if t.conference == "West"][:4]
    teams = tuple(t for t in TEAMS if t.team_id in east + west)
    rank = {t: (k, 0, t) for k, t in enumerate(west + east)}  # the West's four are the league's best
    three_west = Era("1960-61", tuple(t for t in teams if t.team_id != west[3]), 79, 4, False, False, True)
    assert not three_west.seeds_by_conference
    assert playoff_field(three_west, rank) == [west[:3] + east[:1]]
    four_west = Era("1960-61", teams, 79, 4, False, False, True)
    assert four_west.seeds_by_conference
    assert playoff_field(four_west, rank) == [east[:2], west[:2]]


def test_seasons_before_1946_47_do_not_exist() -> None:
    with pytest.raises(ValueError):
        era_of("1945-46")
    with pytest.raises(ValueError):
        SyntheticLeague(["1945-46"])


def test_a_season_generates_identically_whichever_other_seasons_are_generated() -> None:
    def body(league: SyntheticLeague, season: str) -> bytes:
        return wire.dumps(wire.leaguegamelog(league, {"Season": season, "PlayerOrTeam": "P"}, None))

    alone = body(SyntheticLeague(["1955-56"], seed=9), "1955-56")
    crowd = SyntheticLeague(["1954-55", "1955-56", SEASON], seed=9)
    crowd.season(SEASON)
    crowd.season("1954-55")
    assert body(crowd, "1955-56") == alone
    assert body(SyntheticLeague(["1955-56"], seed=10), "1955-56") != alone


def test_stat_kept_follows_the_first_seasons_of_each_log() -> None:
    assert not stat_kept("FG3M", "1978-79", player=False) and stat_kept("FG3M", "1979-80", player=False)
    assert not stat_kept("OREB", "1972-73", player=True) and stat_kept("OREB", "1973-74", player=True)
    assert not stat_kept("TOV", "1976-77", player=False) and stat_kept("TOV", "1977-78", player=False)
    assert not stat_kept("MIN", "1950-51", player=True) and stat_kept("MIN", "1951-52", player=True)
    assert stat_kept("MIN", "1946-47", player=False)
    assert not stat_kept("PLUS_MINUS", "1995-96", player=True) and stat_kept("PLUS_MINUS", "1996-97", player=True)
    assert stat_kept("PLUS_MINUS", "1946-47", player=False)
    assert all(stat_kept(c, "1946-47", player) for c in ("REB", "PTS", "FGM", "AST", "PF") for player in (False, True))
    assert set(STAT_FIRST_SEASONS["T"]) < set(STAT_FIRST_SEASONS["P"]) <= set(BOX_COLUMNS)


NO_THREES_NO_SPLIT = {"FG3M", "FG3A", "FG3_PCT", "OREB", "DREB", "STL", "BLK", "TOV"}
# season: (columns null in the team log, columns null in the player log), written out by hand
ERA_NULLS = {
    "1950-51": (NO_THREES_NO_SPLIT, NO_THREES_NO_SPLIT | {"MIN", "PLUS_MINUS"}),
    "1975-76": ({"FG3M", "FG3A", "FG3_PCT", "TOV"}, {"FG3M", "FG3A", "FG3_PCT", "TOV", "PLUS_MINUS"}),
    "1990-91": (set(), {"PLUS_MINUS"}),
    SEASON: (set(), set()),
}


@pytest.mark.parametrize("name", list(ERA_NULLS))
def test_both_logs_serve_the_stats_an_era_did_not_keep_as_json_null(api: FakeStatsAPI, name: str) -> None:
    for player, nulls in ((False, ERA_NULLS[name][0]), (True, ERA_NULLS[name][1])):
        rows = log_rows(api, name, player)
        assert rows
        for column in BOX_COLUMNS:
            assert stat_kept(column, name, player) is (column not in nulls), (column, player)
            values = {type(r[column]).__name__ for r in rows}
            if column in nulls:
                assert values == {"NoneType"}, (column, player)
            elif not column.endswith("_PCT"):
                assert values == {"int"}, (column, player)


@pytest.mark.parametrize("name", ["1950-51", "1975-76", "1990-91"])
def test_box_score_invariants_hold_in_every_era(api: FakeStatsAPI, name: str) -> None:
    """Team stats are sums of player lines, PTS = 2*FGM + FG3M + FTM (a null FG3M counts 0),
    REB = OREB + DREB where the split is kept; team MIN is the game's length."""
    team, players = log_rows(api, name, False), log_rows(api, name, True)
    sums: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    for r in players:
        for column in BOX_COLUMNS:
            if isinstance(r[column], int):
                sums[(r["GAME_ID"], r["TEAM_ID"])][column] += r[column]
    for r in team:
        key = (r["GAME_ID"], r["TEAM_ID"])
        for column in BOX_COLUMNS:
            if isinstance(r[column], int) and stat_kept(column, name, player=True) and column != "PLUS_MINUS":
                assert sums[key][column] == r[column], (key, column)
        assert r["PTS"] == 2 * r["FGM"] + (r["FG3M"] or 0) + r["FTM"]
        if r["OREB"] is not None:
            assert r["REB"] == r["OREB"] + r["DREB"]
        assert r["REB"] > 0 and r["MIN"] in (240, 265, 290, 315, 340, 365, 390)
    margins = defaultdict(list)
    for r in team:
        margins[r["GAME_ID"]].append(r["PLUS_MINUS"])
    assert all(sorted(m) == sorted([m[0], -m[0]]) and m[0] != 0 for m in margins.values())


@pytest.mark.parametrize("name", ["1950-51", "1975-76"])
def test_the_league_generates_the_stats_an_era_did_not_keep_as_zero(league: SyntheticLeague, name: str) -> None:
    # DREB is unkept too, but holds every rebound: the split is what the era did not keep
    unkept = {s for s in STAT_FIELDS if not stat_kept(s, name, player=False)} - {"DREB"}
    assert unkept
    lines = [ln for g in league.season(name).games.values() for side in g.lines.values() for ln in side]
    assert all(ln.get(s) == 0 for ln in lines for s in unkept)
    assert sum(ln.get("DREB") for ln in lines) > 0 and sum(ln.get("FGM") for ln in lines) > 0


def test_no_schedule_before_schedules_from_while_the_logs_serve_the_season(api: FakeStatsAPI) -> None:
    league = api.league
    assert league is not None and league.schedules_from == DEFAULT_SCHEDULES_FROM == "2001-02"
    before = "1990-91"
    assert get_json(api, "scheduleleaguev2", LeagueID="00", Season=before) == wire.empty_schedule(before)
    assert get_json(api, "scheduleleaguev2", Season="2031-32") == wire.empty_schedule("2031-32")  # as unknown
    assert len(log_rows(api, before, False)) == 2 * len(of_type(league.season(before), "2"))
    midseason = league.truth(before, ["Regular Season"], date(1991, 1, 15))
    assert midseason["completed"] and midseason["scheduled_not_completed"] == [], "nothing tells of future games"
    assert get_json(api, "scheduleleaguev2", Season="2005-06")["leagueSchedule"]["gameDates"]
    earlier = SyntheticLeague([before], schedules_from="1985-86")
    assert earlier.has_schedule(before) and not league.has_schedule(before)
    assert wire.scheduleleaguev2(earlier, {"Season": before}, None)["leagueSchedule"]["gameDates"]


def test_a_season_without_a_schedule_has_a_handful_of_neutral_games_whose_logs_do_not_designate(
    api: FakeStatsAPI, league: SyntheticLeague
) -> None:
    name = "1975-76"
    rows = log_rows(api, name, False)
    markers: dict[str, dict[int, str]] = defaultdict(dict)
    for r in rows:
        me, marker, opp = r["MATCHUP"].split(" ")
        assert me == r["TEAM_ABBREVIATION"]
        markers[r["GAME_ID"]][r["TEAM_ID"]] = marker
    undesignated = {gid: set(m.values()) for gid, m in markers.items() if len(set(m.values())) == 1}
    assert 4 <= len(undesignated) <= 6
    assert {m for ms in undesignated.values() for m in ms} == {"@", "vs."}, "some '@ / @', some 'vs. / vs.'"
    player_matchups = {(r["GAME_ID"], r["TEAM_ID"]): r["MATCHUP"] for r in log_rows(api, name, True)}
    assert player_matchups == {(r["GAME_ID"], r["TEAM_ID"]): r["MATCHUP"] for r in rows}
    truth = league.truth(name, ["Regular Season"])
    for gid, sides in markers.items():
        game = truth["completed"][gid]
        if gid in undesignated:  # the project's rule: the lower team_id is home
            assert (game["home"], game["away"], game["neutral"]) == (min(sides), max(sides), True)
        else:
            home = next(t for t, m in sides.items() if m == "vs.")
            assert (game["home"], game["neutral"]) == (home, False)
        assert {game["home"]: game["home_score"], game["away"]: game["away_score"]} == {
            r["TEAM_ID"]: r["PTS"] for r in rows if r["GAME_ID"] == gid
        }


def test_a_season_with_a_schedule_has_one_or_two_international_games_flagged_neutral(
    api: FakeStatsAPI, league: SyntheticLeague
) -> None:
    doc = get_json(api, "scheduleleaguev2", Season=SEASON)
    games = {g["gameId"]: g for gd in doc["leagueSchedule"]["gameDates"] for g in gd["games"]}
    neutral = {gid for gid, g in games.items() if g["isNeutral"] and gid[2] == "2"}
    assert 1 <= len(neutral) <= 2
    assert {g["isNeutral"] for gid, g in games.items() if gid[2] == "6"} == {True}  # the Cup final, as before
    team = log_rows(api, SEASON, False)
    matchups = {(r["GAME_ID"], r["TEAM_ID"]): r["MATCHUP"] for r in team}
    truth = league.truth(SEASON, ["Regular Season"])
    for gid in neutral:
        home, away = games[gid]["homeTeam"], games[gid]["awayTeam"]
        assert matchups[(gid, home["teamId"])] == f"{home['teamTricode']} @ {away['teamTricode']}"
        assert matchups[(gid, away["teamId"])] == f"{away['teamTricode']} @ {home['teamTricode']}"
        want = (home["teamId"], away["teamId"], home["score"], away["score"], True)
        got = truth["completed"][gid]
        assert (got["home"], got["away"], got["home_score"], got["away_score"], got["neutral"]) == want
    designated = [gid for gid in games if gid[2] == "2" and gid not in neutral]
    for gid in designated:
        home, away = games[gid]["homeTeam"], games[gid]["awayTeam"]
        assert matchups[(gid, home["teamId"])] == f"{home['teamTricode']} vs. {away['teamTricode']}"
        assert truth["completed"][gid]["neutral"] is False
    player_matchups = {(r["GAME_ID"], r["TEAM_ID"]): r["MATCHUP"] for r in log_rows(api, SEASON, True)}
    assert player_matchups == matchups
