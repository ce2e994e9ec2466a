"""The HTTP layer: routing, clock, request log, faults, recorded files and the real nba_api client."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from fake_stats import FakeStatsAPI, SyntheticLeague
from fake_stats.wire import PLAYER_HEADERS

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "nba_stats"
TEAM_LOG = FIX / "leaguegamelog" / "Season-2018-19_SeasonType-Regular-Season_PlayerOrTeam-T.json"
SCHEDULE = FIX / "scheduleleaguev2" / "Season-2023-24__cdn-scheduleLeagueV2_captured-2023-09-16.json"
SEASON = "2024-25"


@pytest.fixture(scope="module")
def league() -> SyntheticLeague:
    return SyntheticLeague([SEASON])


@pytest.fixture()
def api(league: SyntheticLeague) -> Iterator[FakeStatsAPI]:
    with FakeStatsAPI(league, now=date(2025, 1, 15)) as server:
        yield server


def get(url: str, timeout: float = 5.0, **params: str) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(f"{url}?{urlencode(params)}", headers={"User-Agent": "test-agent"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def log(api: FakeStatsAPI, **params: str) -> tuple[int, dict[str, str], bytes]:
    return get(f"{api.base_url}/leaguegamelog", Season=SEASON, **params)


def rows(body: bytes) -> list[list[Any]]:
    return json.loads(body)["resultSets"][0]["rowSet"]


def test_serves_and_records(api: FakeStatsAPI) -> None:
    assert api.base_url.startswith("http://127.0.0.1:") and api.base_url.endswith("/stats")
    status, headers, body = get(f"{api.base_url}/LeagueGameLog", Season=SEASON, DateFrom="01/10/2025")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert {r[5] for r in rows(body)} == {"2025-01-10", "2025-01-11", "2025-01-12", "2025-01-13", "2025-01-14"}
    (req,) = api.requests
    assert req.endpoint == "leaguegamelog" and req.params == {"Season": SEASON, "DateFrom": "01/10/2025"}
    assert req.headers["User-Agent"] == "test-agent" and req.time <= time.monotonic()
    api.clear_requests()
    assert api.requests == []


def test_clock_is_settable(api: FakeStatsAPI) -> None:
    n_jan = len(rows(log(api)[2]))
    api.now = date(2025, 2, 1)
    assert len(rows(log(api)[2])) > n_jan
    api.now = date(2024, 10, 1)
    assert rows(log(api)[2]) == []


def test_cached_bodies_are_served_again_byte_for_byte_but_faults_still_apply(league: SyntheticLeague) -> None:
    with FakeStatsAPI(league, now=date(2025, 1, 15), cache_bodies=True) as cached:
        first = log(cached, PlayerOrTeam="P")
        cached.now = date(2025, 2, 1)  # a cache answers as before: only for a clock that stands still
        again = log(cached, PlayerOrTeam="P")
        assert (again[0], again[2]) == (first[0], first[2])
        assert log(cached, PlayerOrTeam="T")[2] != first[2], "each request has its own body"
        cached.add_fault("leaguegamelog", "503")
        assert log(cached, PlayerOrTeam="P")[0] == 503
        assert len(cached.requests) == 4


def test_errors(api: FakeStatsAPI) -> None:
    status, _, body = get(f"{api.base_url}/nosuchendpoint")
    assert status == 404 and body
    status, headers, body = get(f"{api.base_url}/leaguegamelog", Season="2024")
    assert status == 400 and headers["Content-Type"].startswith("text/plain") and b"Season" in body
    status, _, body = get(f"{api.base_url}/commonteamyears", LeagueID="00")
    assert status == 200 and json.loads(body)["resultSets"][0]["name"] == "TeamYears"


@pytest.mark.parametrize("kind,status", [("429", 429), ("500", 500), ("502", 502), ("503", 503), ("403", 403)])
def test_status_faults(api: FakeStatsAPI, kind: str, status: int) -> None:
    api.add_fault("leaguegamelog", kind, times=2)
    first, second, third = log(api), log(api), log(api)
    assert first[0] == second[0] == status and third[0] == 200
    if kind == "429":
        assert first[1]["Retry-After"] == "1"


def test_fault_after_and_any_endpoint(api: FakeStatsAPI) -> None:
    api.add_fault(None, "503", times=1, after=2)
    assert get(f"{api.base_url}/commonteamyears")[0] == 200  # not a data endpoint
    assert log(api)[0] == 200
    assert get(f"{api.base_url}/scheduleleaguev2", Season=SEASON)[0] == 200
    assert log(api)[0] == 503
    assert log(api)[0] == 200


def test_html_truncated_empty(api: FakeStatsAPI) -> None:
    api.add_fault("leaguegamelog", "html")
    status, headers, body = log(api)
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"Access Denied" in body
    api.add_fault("leaguegamelog", "truncated")
    status, _, body = log(api)
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    api.add_fault("leaguegamelog", "empty")
    assert rows(log(api)[2]) == []
    api.add_fault("scheduleleaguev2", "empty")
    assert json.loads(get(f"{api.base_url}/scheduleleaguev2", Season=SEASON)[2])["leagueSchedule"]["gameDates"] == []


def test_column_faults(api: FakeStatsAPI) -> None:
    clean = json.loads(log(api)[2])["resultSets"][0]
    expected = [dict(zip(clean["headers"], r, strict=True)) for r in clean["rowSet"]]
    api.add_fault("leaguegamelog", "extra_column")
    rs = json.loads(log(api)[2])["resultSets"][0]
    assert rs["headers"][-1] == "NEW_STAT" and len(rs["rowSet"][0]) == len(rs["headers"])
    api.add_fault("leaguegamelog", "missing_column", column="PTS")
    rs = json.loads(log(api)[2])["resultSets"][0]
    assert "PTS" not in rs["headers"] and len(rs["rowSet"][0]) == len(rs["headers"])
    api.add_fault("leaguegamelog", "reordered_columns")
    rs = json.loads(log(api)[2])["resultSets"][0]
    assert rs["headers"] != clean["headers"]
    assert [dict(zip(rs["headers"], r, strict=True)) for r in rs["rowSet"]] == expected


def test_slow_reset_hang(league: SyntheticLeague) -> None:
    with FakeStatsAPI(league, now=date(2025, 1, 15)) as api:
        api.add_fault("leaguegamelog", "slow", seconds=0.3)
        t0 = time.monotonic()
        assert log(api)[0] == 200 and time.monotonic() - t0 >= 0.3
        api.add_fault("leaguegamelog", "reset")
        with pytest.raises((ConnectionError, http.client.HTTPException, urllib.error.URLError)):
            log(api)
        assert log(api)[0] == 200
        api.add_fault("leaguegamelog", "hang")
        with pytest.raises((TimeoutError, urllib.error.URLError)):
            log(api, timeout=0.3)
        t0 = time.monotonic()
    assert time.monotonic() - t0 < 2.0  # shutdown is not blocked by the hanging handler


def test_unknown_fault_kind(api: FakeStatsAPI) -> None:
    with pytest.raises(ValueError):
        api.add_fault("leaguegamelog", "gremlins")


def test_recorded_files() -> None:
    with FakeStatsAPI.from_recorded(TEAM_LOG, SCHEDULE) as api:
        status, _, body = get(f"{api.base_url}/leaguegamelog", LeagueID="00", Season="2018-19",
                              SeasonType="Regular Season", PlayerOrTeam="T", DateFrom="", DateTo="")
        team = rows(body)
        assert status == 200 and len(team) == 2460 and len({r[4] for r in team}) == 1230
        part = rows(get(f"{api.base_url}/leaguegamelog", Season="2018-19", DateFrom="04/01/2019")[2])
        assert part and min(r[5] for r in part) == "2019-04-01"
        doc = json.loads(get(f"{api.base_url}/leaguegamelog", Season="2018-19", PlayerOrTeam="P")[2])
        assert doc["resultSets"][0]["headers"] == PLAYER_HEADERS and doc["resultSets"][0]["rowSet"] == []
        sched = json.loads(get(f"{api.base_url}/scheduleleaguev2", LeagueID="00", Season="2023-24")[2])
        assert sched == json.loads(SCHEDULE.read_text())
        assert rows(get(f"{api.base_url}/leaguegamelog", Season="2020-21")[2]) == []


def test_real_nba_api_client(api: FakeStatsAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    from nba_api.stats.endpoints import leaguegamelog, scheduleleaguev2
    from nba_api.stats.library.http import NBAStatsHTTP

    monkeypatch.setattr(NBAStatsHTTP, "base_url", api.base_url + "/{endpoint}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    team = leaguegamelog.LeagueGameLog(season=SEASON, timeout=5).get_dict()
    assert len(team["resultSets"][0]["rowSet"]) == api.league.truth(SEASON, now=api.now)["team_rows"]
    players = leaguegamelog.LeagueGameLog(season=SEASON, player_or_team_abbreviation="P",
                                          date_from_nullable="01/13/2025", timeout=5)
    frame = players.league_game_log.get_dict()
    assert {r[frame["headers"].index("GAME_DATE")] for r in frame["data"]} == {"2025-01-13", "2025-01-14"}
    # nba_api's own schedule parser is quadratic (~4 s on a full season), so send the request raw
    sched = scheduleleaguev2.ScheduleLeagueV2(season=SEASON, get_request=False)
    resp = NBAStatsHTTP().send_api_request(endpoint=sched.endpoint, parameters=sched.parameters, timeout=5)
    assert resp.get_dict()["leagueSchedule"]["gameDates"]
    sent = [r.params for r in api.requests]
    assert sent[0]["DateFrom"] == "" and sent[0]["SeasonType"] == "Regular Season" and sent[0]["PlayerOrTeam"] == "T"
    assert sent[1]["DateFrom"] == "01/13/2025" and sent[2] == {"LeagueID": "00", "Season": SEASON}
