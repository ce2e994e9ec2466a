"""playbyplayv3 as the fake serves it: the recorded answer's shape and habits, actions that add
up to the box scores, the clock and the hooks, the faults, the recorded file."""

from __future__ import annotations

import http.client
import json
import math
import re
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from conftest import FIXTURES

from fake_stats import FakeStatsAPI, SyntheticLeague, wire
from fake_stats.league import Game
from fake_stats.playbyplay import ACTION_KEYS

RECORDED = FIXTURES / "playbyplayv3" / "GameID-0022200552.json"
SEASON = "2024-25"
NOW = date(2025, 1, 15)
#: The box-score stats the actions are counted into, per player.
COUNTED = ("FGM", "FGA", "FG3M", "FG3A", "FTM", "FTA", "OREB", "DREB", "STL", "BLK", "TOV", "PF")
CLOCK = re.compile(r"^PT(\d{2})M(\d{2})\.(\d)0S$")


@pytest.fixture(scope="module")
def league() -> SyntheticLeague:
    """Read-only: the tests that change a league make their own."""
    return SyntheticLeague([SEASON])


@pytest.fixture(scope="module")
def api(league: SyntheticLeague) -> Iterator[FakeStatsAPI]:
    with FakeStatsAPI(league, now=NOW) as server:
        yield server


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(RECORDED.read_bytes())
    return doc


def get(api: FakeStatsAPI, timeout: float = 10.0, **params: str) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(f"{api.base_url}/playbyplayv3?{urlencode(params)}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def actions_of(api: FakeStatsAPI, game_id: str) -> list[dict[str, Any]]:
    status, _, body = get(api, GameID=game_id, StartPeriod="0", EndPeriod="0")
    assert status == 200
    actions: list[dict[str, Any]] = json.loads(body)["game"]["actions"]
    return actions


def through_nba_api(api: FakeStatsAPI, monkeypatch: pytest.MonkeyPatch, game_id: str) -> Any:
    """The real client's PlayByPlayV3 against the fake."""
    from nba_api.stats.endpoints import playbyplayv3
    from nba_api.stats.library.http import NBAStatsHTTP

    monkeypatch.setattr(NBAStatsHTTP, "base_url", api.base_url + "/{endpoint}")
    return playbyplayv3.PlayByPlayV3(game_id=game_id, timeout=10)


def final_games(league: SyntheticLeague, now: date = NOW) -> list[Game]:
    """The regular-season games final at ``now``, in date order."""
    return [g for g in league.season(SEASON).games.values() if g.type_digit == "2" and g.game_date < now]


def overtime_games(league: SyntheticLeague) -> list[Game]:
    return [g for g in league.season(SEASON).games.values() if g.type_digit == "2" and g.overtimes]


def tally(actions: list[dict[str, Any]]) -> tuple[dict[int, Counter[str]], Counter[tuple[int, str]]]:
    """The box score the actions tell, read as an analyst would: per player the counted stats
    (a rebound is offensive when the last miss before it was his team's), and the assists by
    team and name (a made shot names its assister, not his id)."""
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    assists: Counter[tuple[int, str]] = Counter()
    last_miss_team = 0
    for a in actions:
        kind, pid, desc = a["actionType"], a["personId"], a["description"]
        c = counts[pid]
        if kind in ("Made Shot", "Missed Shot"):
            made, three = kind == "Made Shot", a["shotValue"] == 3
            c["FGA"] += 1
            c["FGM"] += made
            c["FG3A"] += three
            c["FG3M"] += made and three
            if made and desc.endswith(" AST)"):
                assists[a["teamId"], desc.rsplit(" (", 1)[1].rsplit(" ", 2)[0]] += 1
            if not made:
                last_miss_team = a["teamId"]
        elif kind == "Free Throw":
            c["FTA"] += 1
            if desc.startswith("MISS"):
                last_miss_team = a["teamId"]
            else:
                c["FTM"] += 1
        elif kind == "Rebound" and a["teamId"]:
            c["OREB" if a["teamId"] == last_miss_team else "DREB"] += 1
        elif kind == "Turnover":
            c["TOV"] += 1
        elif kind == "Foul" and a["teamId"] and a["subType"] != "Technical":
            c["PF"] += 1
        elif kind == "" and "STEAL" in desc:
            c["STL"] += 1
        elif kind == "" and "BLOCK" in desc:
            c["BLK"] += 1
    return counts, assists


def assert_adds_up_to_the_box_score(league: SyntheticLeague, game: Game, actions: list[dict[str, Any]]) -> None:
    counts, assists = tally(actions)
    box_assists: Counter[tuple[int, str]] = Counter()
    for tid in (game.home_id, game.away_id):
        for line in game.lines[tid]:
            got = counts.get(line.player_id, Counter())
            assert {s: got[s] for s in COUNTED} == {s: line.get(s) for s in COUNTED}, (game.game_id, line.player_id)
            box_assists[tid, league.player(line.player_id).name.partition(" ")[2]] += line.get("AST")
    assert +assists == +box_assists, game.game_id
    ends = [a for a in actions if a["actionType"] == "period" and a["subType"] == "end"]
    assert (int(ends[-1]["scoreHome"]), int(ends[-1]["scoreAway"])) == (game.points(game.home_id),
                                                                          game.points(game.away_id))


# ---- the recorded answer's shape ---------------------------------------------------------

def test_the_real_client_reads_the_envelope_and_keys_of_the_recorded_answer(
    api: FakeStatsAPI, league: SyntheticLeague, recorded: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    game = final_games(league)[-1]
    endpoint = through_nba_api(api, monkeypatch, game.game_id)
    assert api.requests[-1].params == {"GameID": game.game_id, "StartPeriod": "0", "EndPeriod": "0"}
    doc = endpoint.nba_response.get_dict()
    assert list(doc) == list(recorded) and list(doc["meta"]) == list(recorded["meta"])
    assert list(doc["game"]) == list(recorded["game"]) and doc["game"]["gameId"] == game.game_id
    assert doc["meta"]["request"] == f"http://nba.cloud/games/{game.game_id}/playbyplay?Format=json"
    keys = list(recorded["game"]["actions"][0])
    assert keys == list(ACTION_KEYS)
    types = {k: {type(a[k]) for a in recorded["game"]["actions"]} for k in keys}
    for action in doc["game"]["actions"]:
        assert list(action) == keys
        assert all(type(action[k]) in types[k] for k in keys), action
    frame = endpoint.play_by_play.get_data_frame()
    assert len(frame) == len(doc["game"]["actions"]) > 400 and set(frame["gameId"]) == {game.game_id}


def test_bodies_are_compact_like_the_recorded_one_and_built_either_way_the_same(
    api: FakeStatsAPI, league: SyntheticLeague,
) -> None:
    game = final_games(league)[0]
    _, _, body = get(api, GameID=game.game_id, StartPeriod="0", EndPeriod="0")
    assert body == wire.dumps_compact(json.loads(body))  # no spaces, as recorded
    assert body == wire.dumps_compact(wire.playbyplayv3(league, {"GameID": game.game_id}, NOW))
    assert body == wire.playbyplayv3_body(league, {"GameID": game.game_id}, NOW)


def test_the_recorded_answers_habits(api: FakeStatsAPI, league: SyntheticLeague) -> None:
    backwards = 0
    for game in final_games(league)[:8]:
        actions = actions_of(api, game.game_id)
        home, away = game.home_id, game.away_id
        assert [a["actionId"] for a in actions] == list(range(1, len(actions) + 1))
        previous: dict[str, Any] = {}
        for a in actions:
            kind, sub, desc = a["actionType"], a["subType"], a["description"]
            scored = (kind == "Made Shot" or (kind == "Free Throw" and not desc.startswith("MISS"))
                      or kind == "period")
            # the score: strings, only where it changes and on the period rows
            assert (a["scoreHome"] != "") == scored and (a["scoreAway"] != "") == scored, a
            total = int(a["scoreHome"]) + int(a["scoreAway"]) if scored else 0
            assert a["pointsTotal"] == total
            assert CLOCK.match(a["clock"]), a["clock"]
            if kind == "period":
                assert (a["teamId"], a["personId"], a["location"]) == (0, 0, "") and sub in ("start", "end")
            elif a["teamId"] == 0:  # team events: the team's id in personId
                assert kind in ("Timeout", "Rebound", "Foul") and a["personId"] in (home, away) and not a["playerName"]
                assert a["location"] == ("h" if a["personId"] == home else "v")
            else:
                assert a["teamId"] in (home, away) and a["location"] == ("h" if a["teamId"] == home else "v")
            if kind in ("Made Shot", "Missed Shot"):
                assert a["isFieldGoal"] == 1 and a["shotValue"] in (2, 3)
                assert a["shotResult"] == ("Made" if kind == "Made Shot" else "Missed")
                assert a["shotDistance"] == int(math.hypot(a["xLegacy"], a["yLegacy"]) / 10 + 0.5)  # feet, halves up
                assert a["shotDistance"] >= 22 if a["shotValue"] == 3 else a["shotDistance"] < 22
                assert ("3PT" in desc) == (a["shotValue"] == 3)
            else:
                assert a["isFieldGoal"] == 0 and a["shotResult"] == ""
            if kind == "Free Throw":
                assert a["shotValue"] == 0 and re.fullmatch(r"Free Throw (\d of \d|Technical)", sub)
                assert desc == (f"MISS {a['playerName']} {sub}" if desc.startswith("MISS")
                                else f"{a['playerName']} {sub} ({desc.rsplit('(', 1)[1]}")
                assert desc.startswith("MISS") or re.search(r" \(\d+ PTS\)$", desc)
            if kind == "":  # a steal or a block: the number of the turnover or miss it belongs to
                assert a["actionNumber"] == previous["actionNumber"]
                assert previous["actionType"] == ("Turnover" if "STEAL" in desc else "Missed Shot")
                assert a["teamId"] != previous["teamId"] and a["shotValue"] == (
                    previous["shotValue"] if "BLOCK" in desc else 0)
            elif previous:
                backwards += a["actionNumber"] < previous["actionNumber"]
            previous = a
    assert backwards > 0, "now and then a row's number is below the one before it"


def last_names(league: SyntheticLeague, game: Game, tid: int) -> dict[str, int]:
    """A team's players by the last name the descriptions call them (the first of a name)."""
    return {league.player(ln.player_id).name.partition(" ")[2]: ln.player_id for ln in reversed(game.lines[tid])}


def told_apart(league: SyntheticLeague, game: Game) -> bool:
    """Whether no two players of a team share a last name (the descriptions' only name)."""
    return all(len(last_names(league, game, tid)) == len(game.lines[tid]) for tid in (game.home_id, game.away_id))


def test_periods_clocks_and_substitutions(api: FakeStatsAPI, league: SyntheticLeague) -> None:
    games = [g for g in final_games(league) if told_apart(league, g)][:6]
    games += [g for g in overtime_games(league) if g.game_date < NOW][:2]
    assert len(games) == 8 and max(g.overtimes for g in games) >= 1
    for game in games:
        actions = actions_of(api, game.game_id)
        periods = 4 + game.overtimes
        rows = [a for a in actions if a["actionType"] == "period"]
        assert [(a["period"], a["subType"]) for a in rows] == [(p, s) for p in range(1, periods + 1)
                                                               for s in ("start", "end")]
        starts = [a["clock"] for a in rows if a["subType"] == "start"]
        assert starts == ["PT12M00.00S"] * 4 + ["PT05M00.00S"] * game.overtimes
        assert all(a["clock"] == "PT00M00.00S" for a in rows if a["subType"] == "end")
        jump_balls = [a["period"] for a in actions if a["actionType"] == "Jump Ball"]
        assert jump_balls == [1, *range(5, periods + 1)]
        for p in range(1, periods + 1):
            seconds = [int(m[1]) * 60 + int(m[2]) + int(m[3]) / 10
                       for m in (CLOCK.match(a["clock"]) for a in actions if a["period"] == p) if m]
            assert seconds == sorted(seconds, reverse=True), "the clock counts down"
        if told_apart(league, game):  # else a substitution's names do not say who
            assert bench_actions(league, game, actions) <= 15


def bench_actions(league: SyntheticLeague, game: Game, actions: list[dict[str, Any]]) -> int:
    """Replay each period's substitutions: nobody comes in whom they have on the court, nobody
    goes out whom they have on the bench, at most five start (who goes out before coming in,
    or acts and never comes in). Returns the actions by players they had on the bench."""
    names = {tid: last_names(league, game, tid) for tid in (game.home_id, game.away_id)}
    team_of = {pid: tid for tid, by_name in names.items() for pid in by_name.values()}
    bench = 0
    for p in range(1, 5 + game.overtimes):
        known: dict[int, bool] = {}  # player -> on the court, once a substitution named him
        pending: Counter[int] = Counter()  # player -> his actions before any substitution named him
        started: Counter[int] = Counter()
        for a in (a for a in actions if a["period"] == p and a["teamId"]):
            pid = a["personId"]
            if a["actionType"] == "Substitution":
                sub = re.fullmatch(r"SUB: (.+) FOR (.+)", a["description"])
                assert sub, a
                into_name, out_name = sub.groups()
                into = names[a["teamId"]][into_name]
                assert out_name == a["playerName"] and known.get(pid, True) and not known.get(into, False), a
                started[a["teamId"]] += pid not in known
                pending.pop(pid, None)
                bench += pending.pop(into, 0)  # his actions before he came in: from the bench
                known[pid], known[into] = False, True
            elif pid in team_of:
                if pid in known:
                    bench += not known[pid]
                else:
                    pending[pid] += 1
        for pid in pending:  # acted, never substituted: played from the start
            started[team_of[pid]] += 1
        assert max(started.values(), default=0) <= 5, (p, started)
    return bench


# ---- the box score, period by period -----------------------------------------------------

def test_every_box_score_line_is_in_the_actions_over_http(api: FakeStatsAPI, league: SyntheticLeague) -> None:
    for game in final_games(league)[-3:]:
        assert_adds_up_to_the_box_score(league, game, actions_of(api, game.game_id))


def test_every_box_score_line_is_in_the_actions_across_a_season(league: SyntheticLeague) -> None:
    # A fifth of the season's regular-season games (whose generation is what costs), in-process.
    games = [g for g in league.season(SEASON).games.values() if g.type_digit == "2"][::5]
    for game in games:
        pbp = league.play_by_play(game.game_id)
        assert pbp.unplaced == 0
        assert_adds_up_to_the_box_score(league, game, pbp.actions)
        assert {tid: sum(points) for tid, points in pbp.period_points.items()} == {
            tid: game.points(tid) for tid in (game.home_id, game.away_id)}


def test_overtime_games_are_level_at_the_end_of_regulation_and_of_each_overtime_but_the_last(
    league: SyntheticLeague,
) -> None:
    games = overtime_games(league)
    assert len(games) > 10 and {g.overtimes for g in games} >= {1, 2}
    for game in games:
        home, away = game.home_id, game.away_id
        pbp = league.play_by_play(game.game_id)
        points = pbp.period_points
        assert len(points[home]) == len(points[away]) == 4 + game.overtimes
        assert sum(points[home][:4]) == sum(points[away][:4])
        assert points[home][4:-1] == points[away][4:-1]
        assert points[home][-1] != points[away][-1]
        # the period rows' scores are the running sums of the periods' points
        ends = [a for a in pbp.actions if a["actionType"] == "period" and a["subType"] == "end"]
        running = [(sum(points[home][:p]), sum(points[away][:p])) for p in range(1, len(ends) + 1)]
        assert [(int(a["scoreHome"]), int(a["scoreAway"])) for a in ends] == running
        assert running[-1] == (game.points(home), game.points(away))
        assert_adds_up_to_the_box_score(league, game, pbp.actions)


def test_home_is_the_box_scores_home_even_when_the_schedule_swaps_the_teams() -> None:
    league = SyntheticLeague([SEASON])
    game = final_games(league)[20]
    before = league.play_by_play(game.game_id).rows
    league.redesignate(game.game_id)
    assert game.schedule_home_id == game.away_id
    pbp = league.play_by_play(game.game_id)
    assert pbp.rows == before  # the game logs' side (the "vs." row), not the schedule's
    made = next(a for a in pbp.actions if a["actionType"] == "Made Shot")
    assert made["location"] == ("h" if made["teamId"] == game.home_id else "v")
    assert int(pbp.actions[-1]["scoreHome"]) == game.points(game.home_id)


def test_a_stat_correction_shows_in_the_play_by_play_at_once() -> None:
    league = SyntheticLeague([SEASON])
    with FakeStatsAPI(league, now=NOW) as api:
        game = final_games(league)[30]
        line = max(game.lines[game.away_id], key=lambda ln: ln.get("FGM"))
        pid, before = line.player_id, tally(actions_of(api, game.game_id))[0][line.player_id]
        league.correct_stat(game.game_id, pid, 3)  # one more make, one more free throw
        after = tally(actions := actions_of(api, game.game_id))[0][pid]
        assert (after["FGM"], after["FGA"], after["FTM"]) == (before["FGM"] + 1, before["FGA"] + 1, before["FTM"] + 1)
        assert_adds_up_to_the_box_score(league, game, actions)
        league.correct_stat(game.game_id, pid, -2)  # a make becomes a miss
        again = tally(actions := actions_of(api, game.game_id))[0][pid]
        assert (again["FGM"], again["FGA"]) == (after["FGM"] - 1, after["FGA"])
        assert_adds_up_to_the_box_score(league, game, actions)
        assert sum(league.period_points(game.game_id)[game.away_id]) == game.points(game.away_id)


# ---- determinism -----------------------------------------------------------------------

def test_same_bytes_every_time_whatever_else_was_generated() -> None:
    alone, busy, other_seed = SyntheticLeague([SEASON]), SyntheticLeague([SEASON]), SyntheticLeague([SEASON], seed=1)
    game_id = final_games(alone)[100].game_id
    for game in final_games(busy)[:30]:
        busy.play_by_play(game.game_id)
    params = {"GameID": game_id}
    body = wire.playbyplayv3_body(alone, params, NOW)
    assert body == wire.playbyplayv3_body(busy, params, NOW) == wire.playbyplayv3_body(alone, params, NOW)
    assert body != wire.playbyplayv3_body(other_seed, params, NOW)


# ---- when it is published ---------------------------------------------------------------

def test_no_actions_before_the_game_is_final_nor_for_a_game_the_league_does_not_have(
    api: FakeStatsAPI, league: SyntheticLeague,
) -> None:
    today = next(g for g in league.season(SEASON).games.values() if g.game_date == NOW)
    for game_id in (today.game_id, "0022499999", "0021900001"):
        status, _, body = get(api, GameID=game_id, StartPeriod="0", EndPeriod="0")
        doc = json.loads(body)
        assert status == 200 and doc["game"] == {"gameId": game_id, "videoAvailable": 0, "actions": []}
    api.now = NOW + timedelta(days=1)
    try:
        assert actions_of(api, today.game_id)
    finally:
        api.now = NOW
    status, headers, body = get(api, GameID="22400001")
    assert status == 400 and headers["Content-Type"].startswith("text/plain") and b"GameID" in body
    assert get(api)[0] == 400


def test_no_actions_for_a_season_before_the_api_kept_play_by_play() -> None:
    league = SyntheticLeague(["1990-91", "1996-97"])
    old = next(g.game_id for g in league.season("1990-91").games.values() if g.type_digit == "2")
    first = next(g.game_id for g in league.season("1996-97").games.values() if g.type_digit == "2")
    assert wire.playbyplayv3(league, {"GameID": old}, None)["game"]["actions"] == []
    assert wire.playbyplayv3(league, {"GameID": first}, None)["game"]["actions"]


def test_a_delayed_play_by_play_has_no_actions_until_the_day_while_the_box_score_is_out() -> None:
    league = SyntheticLeague([SEASON])
    with FakeStatsAPI(league, now=NOW) as api:
        game = final_games(league)[-1]
        until = NOW + timedelta(days=2)
        league.delay_play_by_play(game.game_id, until)
        assert actions_of(api, game.game_id) == []
        with urllib.request.urlopen(f"{api.base_url}/leaguegamelog?Season={SEASON}", timeout=10) as resp:
            logged = {row[4] for row in json.loads(resp.read())["resultSets"][0]["rowSet"]}
        assert game.game_id in logged
        api.now = until - timedelta(days=1)
        assert actions_of(api, game.game_id) == []
        api.now = until
        assert_adds_up_to_the_box_score(league, game, actions_of(api, game.game_id))


# ---- faults ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,status", [("429", 429), ("500", 500), ("503", 503), ("403", 403)])
def test_status_faults(api: FakeStatsAPI, league: SyntheticLeague, kind: str, status: int) -> None:
    game_id = final_games(league)[0].game_id
    api.add_fault("playbyplayv3", kind)
    first, second = get(api, GameID=game_id), get(api, GameID=game_id)
    assert (first[0], second[0]) == (status, 200)
    assert kind != "429" or first[1]["Retry-After"] == "1"


def test_connection_and_body_faults(api: FakeStatsAPI, league: SyntheticLeague) -> None:
    game_id = final_games(league)[0].game_id
    clean = get(api, GameID=game_id)[2]
    api.add_fault("playbyplayv3", "reset")
    with pytest.raises((ConnectionError, http.client.HTTPException, urllib.error.URLError)):
        get(api, GameID=game_id)
    api.add_fault("playbyplayv3", "html")
    status, headers, body = get(api, GameID=game_id)
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"Access Denied" in body
    api.add_fault("playbyplayv3", "truncated")
    body = get(api, GameID=game_id)[2]
    assert body == clean[: len(clean) // 2]
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    api.add_fault("playbyplayv3", "slow", seconds=0.2)
    t0 = time.monotonic()
    assert get(api, GameID=game_id)[2] == clean and time.monotonic() - t0 >= 0.2
    api.add_fault(None, "502")  # any data endpoint: the play-by-play is one
    assert get(api, GameID=game_id)[0] == 502


def test_schema_drift_faults_on_the_actions(api: FakeStatsAPI, league: SyntheticLeague) -> None:
    game_id = final_games(league)[0].game_id
    clean = json.loads(get(api, GameID=game_id)[2])["game"]["actions"]

    def drifted(kind: str, **kw: Any) -> list[dict[str, Any]]:
        api.add_fault("playbyplayv3", kind, **kw)
        actions: list[dict[str, Any]] = json.loads(get(api, GameID=game_id)[2])["game"]["actions"]
        return actions

    assert drifted("empty") == []
    assert all("scoreHome" not in a for a in drifted("missing_column"))  # a log's PTS: the score
    assert all(list(a) == [k for k in ACTION_KEYS if k != "shotValue"] for a in drifted("missing_column",
                                                                                       column="shotValue"))
    assert all(list(a)[-1] == "newStat" and a["newStat"] == 0 for a in drifted("extra_column"))
    shuffled = drifted("reordered_columns")
    assert shuffled == clean and list(shuffled[0]) != list(ACTION_KEYS)
    assert len({tuple(a) for a in shuffled}) == 1
    bad = drifted("bad_value", column="shotValue")
    assert bad[0]["shotValue"] == "abc" and bad[1:] == clean[1:]
    assert drifted("bad_value")[0]["scoreHome"] == "abc"


def test_cached_bodies_are_served_again_and_faults_still_apply(league: SyntheticLeague) -> None:
    game_id = final_games(league)[0].game_id
    with FakeStatsAPI(league, now=NOW, cache_bodies=True) as cached:
        first = get(cached, GameID=game_id)[2]
        cached.now = NOW - timedelta(days=60)  # a cache answers as before: only for a clock that stands still
        assert get(cached, GameID=game_id)[2] == first and json.loads(first)["game"]["actions"]
        cached.add_fault("playbyplayv3", "empty")
        assert json.loads(get(cached, GameID=game_id)[2])["game"]["actions"] == []


# ---- the recorded file -------------------------------------------------------------------

def test_the_recorded_game_is_served_as_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeStatsAPI.from_recorded(RECORDED, league=SyntheticLeague([SEASON]), now=NOW) as api:
        status, _, body = get(api, GameID="0022200552", StartPeriod="0", EndPeriod="0")
        assert status == 200 and body == RECORDED.read_bytes()
        frame = through_nba_api(api, monkeypatch, "0022200552").play_by_play.get_data_frame()
        assert len(frame) == 560 and frame["description"].iloc[0].startswith("Start of 1st Period")
        assert actions_of(api, final_games(api.league)[0].game_id)  # other games: the league's
        api.add_fault("playbyplayv3", "missing_column", column="shotValue")
        actions = json.loads(get(api, GameID="0022200552")[2])["game"]["actions"]
        assert len(actions) == 560 and all("shotValue" not in a for a in actions)
