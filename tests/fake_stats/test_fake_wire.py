"""The fake's bodies must match the recorded real responses: headers, value types, nesting."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fake_stats import wire
from fake_stats.league import SyntheticLeague

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "nba_stats"
TEAM_LOG = FIX / "leaguegamelog" / "Season-2018-19_SeasonType-Regular-Season_PlayerOrTeam-T.json"
EMPTY_LOG = FIX / "leaguegamelog" / "Season-2026-27_SeasonType-Regular-Season_PlayerOrTeam-T__empty-future-season.json"
SCHEDULE = FIX / "scheduleleaguev2" / "Season-2023-24__cdn-scheduleLeagueV2_captured-2023-09-16.json"
SEASON = "2024-25"
NEWER_FIELDS = {"isNeutral", "gameLabel", "gameSubLabel"}


@pytest.fixture(scope="module")
def league() -> SyntheticLeague:
    return SyntheticLeague([SEASON])


def _column_types(headers: list[str], rows: list[list[Any]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        for h, v in zip(headers, r, strict=True):
            out[h].add(type(v).__name__)
    return out


def _allowed(types: set[str], column: str) -> set[str]:
    return types | ({"NoneType"} if column.endswith("_PCT") else set())


def test_team_log_matches_recording(league: SyntheticLeague) -> None:
    rec = json.loads(TEAM_LOG.read_text())
    mine = wire.leaguegamelog(league, {"LeagueID": "00", "Season": SEASON, "SeasonType": "Regular Season",
                                       "PlayerOrTeam": "T"}, None)
    assert mine.keys() == rec.keys() and mine["resource"] == "leaguegamelog"
    assert list(mine["parameters"]) == list(rec["parameters"])
    (rs,), (rrs,) = mine["resultSets"], rec["resultSets"]
    assert rs["name"] == rrs["name"] and rs["headers"] == rrs["headers"]
    rec_types = _column_types(rrs["headers"], rrs["rowSet"])
    for col, types in _column_types(rs["headers"], rs["rowSet"]).items():
        assert types <= _allowed(rec_types[col], col), col
    gi = rs["headers"].index("GAME_DATE")
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[gi]) for r in rs["rowSet"])
    matchups = {r[rs["headers"].index("MATCHUP")] for r in rs["rowSet"]}
    assert all(re.fullmatch(r"[A-Z]{3} (vs\.|@) [A-Z]{3}", m) for m in matchups)


def test_player_log_headers_and_types(league: SyntheticLeague) -> None:
    text = (FIX / "SOURCES.md").read_text()
    listed = re.search(r"has these headers: (.*?)\. Parse", text).group(1).split(", ")
    rs = wire.leaguegamelog(league, {"Season": SEASON, "PlayerOrTeam": "P"}, date(2024, 12, 1))["resultSets"][0]
    assert rs["headers"] == listed
    types = _column_types(rs["headers"], rs["rowSet"])
    for col in ("SEASON_ID", "PLAYER_NAME", "TEAM_ABBREVIATION", "TEAM_NAME", "GAME_ID", "GAME_DATE", "MATCHUP", "WL"):
        assert types[col] == {"str"}, col
    for col in ("PLAYER_ID", "TEAM_ID", "MIN", "FGM", "FGA", "FG3M", "PTS", "PLUS_MINUS", "VIDEO_AVAILABLE"):
        assert types[col] == {"int"}, col
    for col in ("FG_PCT", "FG3_PCT", "FT_PCT"):
        assert types[col] <= {"float", "NoneType"}
    assert types["FANTASY_PTS"] == {"float"}


def test_empty_future_season_like_recording(league: SyntheticLeague) -> None:
    rec = json.loads(EMPTY_LOG.read_text())
    params = {k: ("" if v is None else str(v)) for k, v in rec["parameters"].items()}
    mine = wire.leaguegamelog(league, params, date(2026, 11, 1))
    assert mine == rec
    early = wire.leaguegamelog(league, {"Season": SEASON}, date(2024, 10, 1))
    assert early["resultSets"][0]["rowSet"] == []


def _shape(v: Any) -> Any:
    """Recursive key/type signature; lists are described by the union of their items."""
    if isinstance(v, dict):
        return {k: _shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return ["list"]
    return type(v).__name__


def test_schedule_matches_recording(league: SyntheticLeague) -> None:
    rec = json.loads(SCHEDULE.read_text())
    mine = wire.scheduleleaguev2(league, {"LeagueID": "00", "Season": SEASON}, date(2025, 5, 1))
    assert mine.keys() == rec.keys() and mine["meta"].keys() == rec["meta"].keys()
    assert mine["leagueSchedule"].keys() == rec["leagueSchedule"].keys()
    assert mine["leagueSchedule"]["weeks"][0].keys() == rec["leagueSchedule"]["weeks"][0].keys()
    rec_games = [g for gd in rec["leagueSchedule"]["gameDates"] for g in gd["games"]]
    rec_shapes = {json.dumps(_shape(g), sort_keys=True) for g in rec_games}
    (rec_shape,) = [json.loads(s) for s in rec_shapes]
    for gd in mine["leagueSchedule"]["gameDates"]:
        assert re.fullmatch(r"\d{2}/\d{2}/\d{4} 00:00:00", gd["gameDate"])
        for g in gd["games"]:
            shape = _shape(g)
            assert set(shape) - set(rec_shape) == NEWER_FIELDS
            assert {k: v for k, v in shape.items() if k not in NEWER_FIELDS} == rec_shape
            assert g["gameTimeEst"].startswith("1900-01-01T") and g["gameDateTimeEst"].endswith("Z")
            assert type(g["isNeutral"]) is bool and type(g["gameLabel"]) is str
    ids = {g["gameId"][:3] for gd in mine["leagueSchedule"]["gameDates"] for g in gd["games"]}
    assert ids == {"001", "002", "003", "004", "005", "006"}


def test_schedule_clock(league: SyntheticLeague) -> None:
    now = date(2025, 1, 15)
    doc = wire.scheduleleaguev2(league, {"Season": SEASON}, now)
    games = [(gd["gameDate"], g) for gd in doc["leagueSchedule"]["gameDates"] for g in gd["games"]]
    assert not any(g["gameId"][2] in "45" for _, g in games)
    for _, g in games:
        played = g["gameDateEst"][:10] < now.isoformat()
        if played:
            assert g["gameStatus"] == 3 and g["gameStatusText"] == "Final"
            assert g["homeTeam"]["score"] != g["awayTeam"]["score"] and g["homeTeam"]["score"] > 0
        else:
            assert g["gameStatus"] == 1 and g["homeTeam"]["score"] == g["awayTeam"]["score"] == 0
            assert g["gameStatusText"].endswith(" ET")
    truth = league.truth(SEASON, ["Regular Season"], now)
    some = next(iter(truth["completed"]))
    (g,) = [g for _, g in games if g["gameId"] == some]
    assert g["homeTeam"]["score"] == truth["completed"][some]["home_score"]
    after = wire.scheduleleaguev2(league, {"Season": SEASON}, date(2025, 4, 15))
    assert any(g["gameId"][2] == "5" for gd in after["leagueSchedule"]["gameDates"] for g in gd["games"])


def test_unknown_season_schedule_is_empty(league: SyntheticLeague) -> None:
    doc = wire.scheduleleaguev2(league, {"Season": "2031-32"}, None)
    assert doc["leagueSchedule"]["gameDates"] == [] and doc["leagueSchedule"]["seasonYear"] == "2031-32"


@pytest.mark.parametrize("fmt", ["%m/%d/%Y", "%Y-%m-%d"])
def test_date_filter_inclusive(league: SyntheticLeague, fmt: str) -> None:
    lo, hi = date(2024, 11, 1), date(2024, 11, 3)
    rs = wire.leaguegamelog(league, {"Season": SEASON, "DateFrom": lo.strftime(fmt), "DateTo": hi.strftime(fmt)},
                            None)["resultSets"][0]
    dates = {r[5] for r in rs["rowSet"]}
    assert dates == {"2024-11-01", "2024-11-02", "2024-11-03"} & dates and min(dates) == "2024-11-01"
    assert max(dates) == "2024-11-03"
    truth = league.truth(SEASON, ["Regular Season"], None)
    expected = sum(2 for g in truth["completed"].values() if lo.isoformat() <= g["date"] <= hi.isoformat())
    assert len(rs["rowSet"]) == expected


def test_bad_parameters(league: SyntheticLeague) -> None:
    for params in ({"Season": "2024"}, {"Season": "2024-26"}, {}, {"Season": SEASON, "SeasonType": "Nope"},
                   {"Season": SEASON, "DateFrom": "yesterday"}, {"Season": SEASON, "PlayerOrTeam": "X"}):
        with pytest.raises(wire.BadRequest):
            wire.leaguegamelog(league, params, None)
    with pytest.raises(wire.BadRequest):
        wire.scheduleleaguev2(league, {"Season": "24-25"}, None)


def test_other_season_types(league: SyntheticLeague) -> None:
    for st, digit in (("Pre Season", "1"), ("PlayIn", "5"), ("Playoffs", "4")):
        rs = wire.leaguegamelog(league, {"Season": SEASON, "SeasonType": st}, None)["resultSets"][0]
        assert rs["rowSet"] and {r[0] for r in rs["rowSet"]} == {f"{digit}2024"}
        assert {r[4][2] for r in rs["rowSet"]} == {digit}
