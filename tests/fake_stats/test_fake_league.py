"""Invariants of the synthetic league: the fake API is only as good as its ground truth."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import pytest

from fake_stats import wire
from fake_stats.league import ALL_STAR_EAST_ID, ALL_STAR_WEST_ID, TEAMS, Season, SyntheticLeague

SEASON = "2024-25"


@pytest.fixture(scope="module")
def league() -> SyntheticLeague:
    return SyntheticLeague([SEASON], seed=0)


@pytest.fixture(scope="module")
def season(league: SyntheticLeague) -> Season:
    return league.season(SEASON)


def _of_type(season: Season, digit: str) -> list:
    return [g for g in season.games.values() if g.type_digit == digit]


def test_teams() -> None:
    assert len(TEAMS) == 30
    assert sorted(t.team_id for t in TEAMS) == list(range(1610612737, 1610612767))
    assert Counter(t.conference for t in TEAMS) == {"East": 15, "West": 15}
    lal = next(t for t in TEAMS if t.team_id == 1610612747)
    assert (lal.abbreviation, lal.name) == ("LAL", "Los Angeles Lakers")


def test_rosters(league: SyntheticLeague) -> None:
    ids = [p.player_id for t in TEAMS for p in league.roster(t.team_id)]
    assert len(ids) == len(set(ids)) == 450 and min(ids) >= 1_600_000
    names = [p.name for t in TEAMS for p in league.roster(t.team_id)]
    assert len(set(names)) == 450 and all(" " in n for n in names)


def test_regular_season_shape(season: Season) -> None:
    games = _of_type(season, "2")
    assert len(games) == 1230
    assert sorted(g.game_id for g in games) == [f"00224{n:05d}" for n in range(1, 1231)]
    per_team = Counter(t for g in games for t in (g.home_id, g.away_id))
    home = Counter(g.home_id for g in games)
    assert set(per_team.values()) == {82}
    assert all(38 <= home[t.team_id] <= 44 for t in TEAMS)
    per_day = Counter(g.game_date for g in games)
    assert all(5 <= n <= 12 for n in per_day.values())
    assert date(2024, 10, 20) <= min(per_day) and max(per_day) <= date(2025, 4, 15)


def test_one_game_per_team_per_day(season: Season) -> None:
    seen: set[tuple[int, date]] = set()
    for g in season.games.values():
        for t in (g.home_id, g.away_id):
            assert (t, g.game_date) not in seen, g.game_id
            seen.add((t, g.game_date))


def test_special_games(season: Season) -> None:
    pre = _of_type(season, "1")
    assert pre and all(g.game_date < season.first_regular_date for g in pre)
    (asg,) = _of_type(season, "3")
    assert {asg.home_id, asg.away_id} == {ALL_STAR_EAST_ID, ALL_STAR_WEST_ID} and asg.game_date.month == 2
    (cup,) = _of_type(season, "6")
    assert cup.game_date.month == 12 and {cup.home_id, cup.away_id} <= {t.team_id for t in TEAMS}


def test_box_scores_consistent(league: SyntheticLeague) -> None:
    """Every team row equals the sum of its player rows; PTS formula; no ties."""
    team = wire.leaguegamelog(league, {"Season": SEASON, "PlayerOrTeam": "T"}, None)["resultSets"][0]
    player = wire.leaguegamelog(league, {"Season": SEASON, "PlayerOrTeam": "P"}, None)["resultSets"][0]
    th, ph = team["headers"], player["headers"]
    sums: dict[tuple[str, int], Counter] = defaultdict(Counter)
    counts: Counter = Counter()
    stats = ["MIN", "FGM", "FGA", "FG3M", "FG3A", "FTM", "FTA", "OREB", "DREB", "REB", "AST", "STL", "BLK", "TOV", "PF"]
    stats.append("PTS")
    for r in player["rowSet"]:
        key = (r[ph.index("GAME_ID")], r[ph.index("TEAM_ID")])
        counts[key] += 1
        for s in stats:
            sums[key][s] += r[ph.index(s)]
    points: dict[str, list[int]] = defaultdict(list)
    for r in team["rowSet"]:
        key = (r[th.index("GAME_ID")], r[th.index("TEAM_ID")])
        assert 9 <= counts[key] <= 13
        assert all(sums[key][s] == r[th.index(s)] for s in stats), key
        fgm, fg3m, ftm = (r[th.index(c)] for c in ("FGM", "FG3M", "FTM"))
        assert r[th.index("PTS")] == 2 * (fgm - fg3m) + 3 * fg3m + ftm
        assert r[th.index("MIN")] in (240, 265, 290, 315, 340, 365, 390)
        points[key[0]].append(r[th.index("PTS")])
    assert len(points) == 1230 and all(len(p) == 2 and p[0] != p[1] for p in points.values())


def test_postseason(season: Season) -> None:
    playin = _of_type(season, "5")
    assert len(playin) == 6 and all(g.game_date > season.last_regular_date for g in playin)
    series: dict[tuple[str, str], list] = defaultdict(list)
    for g in _of_type(season, "4"):
        series[(g.game_id[7], g.game_id[8])].append(g)
    assert len(series) == 15
    assert Counter(r for r, _ in series) == {"1": 8, "2": 4, "3": 2, "4": 1}
    teams_r1 = {t for (r, _), gs in series.items() if r == "1" for g in gs for t in (g.home_id, g.away_id)}
    assert len(teams_r1) == 16
    for gs in series.values():
        gs.sort(key=lambda g: g.game_id)
        assert 4 <= len(gs) <= 7
        wins = Counter(g.winner() for g in gs)
        assert max(wins.values()) == 4 and wins[gs[-1].winner()] == 4
        high = gs[0].home_id
        assert [g.home_id == high for g in gs] == [True, True, False, False, True, False, True][: len(gs)]
    assert max(g.game_date for g in _of_type(season, "4")) <= date(2025, 6, 25)


def test_the_same_seed_makes_the_same_season_whatever_else_the_league_holds() -> None:
    alone = SyntheticLeague([SEASON], seed=3)
    body_alone = wire.dumps(wire.leaguegamelog(alone, {"Season": SEASON, "PlayerOrTeam": "P"}, None))
    together = SyntheticLeague(["2023-24", SEASON], seed=3)
    together.season("2023-24")
    body_together = wire.dumps(wire.leaguegamelog(together, {"Season": SEASON, "PlayerOrTeam": "P"}, None))
    assert body_alone == body_together
    other = SyntheticLeague([SEASON], seed=4)
    assert wire.dumps(wire.leaguegamelog(other, {"Season": SEASON, "PlayerOrTeam": "P"}, None)) != body_alone


def test_truth_matches_wire(league: SyntheticLeague) -> None:
    now = date(2025, 1, 15)
    truth = league.truth(SEASON, ["Regular Season"], now)
    team = wire.leaguegamelog(league, {"Season": SEASON}, now)["resultSets"][0]["rowSet"]
    player = wire.leaguegamelog(league, {"Season": SEASON, "PlayerOrTeam": "P"}, now)["resultSets"][0]["rowSet"]
    assert truth["team_rows"] == len(team) == 2 * len(truth["completed"])
    assert truth["player_rows"] == len(player)
    assert len(truth["completed"]) + len(truth["scheduled_not_completed"]) == 1230
    gid, g = next(iter(truth["completed"].items()))
    assert g["date"] < "2025-01-15" and g["season_type"] == "Regular Season"
    assert truth["team_points"][gid] == {g["home"]: g["home_score"], g["away"]: g["away_score"]}
    assert truth["player_points"][gid] == truth["team_points"][gid]
    before = league.truth(SEASON, ["PlayIn", "Playoffs"], now)
    assert before["completed"] == {} and before["scheduled_not_completed"] == []
    after = league.truth(SEASON, ["PlayIn", "Playoffs"], date(2025, 4, 20))
    assert after["scheduled_not_completed"] and all(k[2] in "45" for k in after["scheduled_not_completed"])


def test_correct_stat_keeps_totals() -> None:
    league = SyntheticLeague([SEASON])
    game = league.game("0022400100")
    pid = game.lines[game.home_id][0].player_id
    before = game.points(game.home_id)
    league.correct_stat("0022400100", pid, 3)
    assert game.points(game.home_id) == before + 3
    rows = wire.leaguegamelog(league, {"Season": SEASON, "DateFrom": game.game_date.isoformat(),
                                       "DateTo": game.game_date.isoformat()}, None)["resultSets"][0]
    row = next(r for r in rows["rowSet"] if r[4] == "0022400100" and r[1] == game.home_id)
    assert row[rows["headers"].index("PTS")] == before + 3
    assert league.truth(SEASON)["player_points"]["0022400100"][game.home_id] == before + 3


def test_postpone_and_anomalies() -> None:
    league = SyntheticLeague([SEASON])
    league.postpone("0022400010", date(2025, 4, 14))
    sched = wire.scheduleleaguev2(league, {"Season": SEASON}, date(2025, 1, 1))
    (g,) = [g for gd in sched["leagueSchedule"]["gameDates"] for g in gd["games"] if g["gameId"] == "0022400010"]
    assert g["gameDateEst"].startswith("2025-04-14") and g["postponedStatus"] == "P" and g["gameStatus"] == 1
    league.drop_team_row("0022400001")
    league.drop_player_rows("0022400002")
    league.null_team_points("0022400003")
    team = wire.leaguegamelog(league, {"Season": SEASON}, date(2024, 10, 25))["resultSets"][0]
    player = wire.leaguegamelog(league, {"Season": SEASON, "PlayerOrTeam": "P"}, date(2024, 10, 25))["resultSets"][0]
    by_game = Counter(r[4] for r in team["rowSet"])
    assert by_game["0022400001"] == 1 and by_game["0022400002"] == 2
    assert not any(r[6] == "0022400002" for r in player["rowSet"])
    assert sum(r[26] is None for r in team["rowSet"] if r[4] == "0022400003") == 1
    truth = league.truth(SEASON, ["Regular Season"], date(2024, 10, 25))
    assert truth["team_rows"] == len(team["rowSet"]) and truth["player_rows"] == len(player["rowSet"])
    assert set(truth["anomalies"]) == {"0022400001", "0022400002", "0022400003"}
