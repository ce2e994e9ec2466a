"""The client against the fake API's faults: what is retried, what fails, and how loudly."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from conftest import MID_SEASON, SEASON

from fake_stats import FakeStatsAPI
from loader.nba_stats.helpers import RequestsCancelled, StatsAPIBlocked, StatsAPIError, StatsClient
from loader.settings import Settings

#: A timeout for the tests about timeouts; the others allow a busy machine's fake API time.
SHORT_TIMEOUT = "1"


def _settings(api: FakeStatsAPI, **env: str) -> Settings:
    return Settings.from_env({
        "NBA_STATS_BASE_URL": api.base_url, "NBA_SEASON": SEASON, "NBA_REQUEST_DELAY": "0",
        "NBA_REQUEST_JITTER": "0", "NBA_BACKOFF_BASE": "0.01", "NBA_REQUEST_TIMEOUT": "10",
        "NBA_MAX_RETRIES": "3", **env,
    })


@pytest.mark.parametrize("kind", ["429", "500", "502", "503", "slow", "hang", "reset", "html", "truncated"])
def test_a_transient_fault_is_retried_and_the_answer_is_exact(fake_api: FakeStatsAPI, kind: str) -> None:
    # A week of the log: an answer small enough to come well within the short timeout.
    week = MID_SEASON - timedelta(days=7)
    with StatsClient(_settings(fake_api)) as client:
        clean = client.league_game_log(SEASON, "Regular Season", "T", week)
    timeout = SHORT_TIMEOUT if kind in ("slow", "hang") else "10"
    with StatsClient(_settings(fake_api, NBA_REQUEST_TIMEOUT=timeout)) as client:
        fake_api.add_fault("leaguegamelog", kind, times=2, seconds=2.5)
        fake_api.clear_requests()
        retried = client.league_game_log(SEASON, "Regular Season", "T", week)
    assert retried == clean
    assert len(fake_api.requests) == 3


def test_429_honours_retry_after(fake_api: FakeStatsAPI) -> None:
    slept: list[float] = []
    with StatsClient(_settings(fake_api), sleep=slept.append) as client:
        fake_api.add_fault("leaguegamelog", "429", times=1)
        client.league_game_log(SEASON, "Regular Season", "T")
    assert slept == [1.0]


def test_a_persistent_fault_fails_with_the_endpoint_and_parameters(fake_api: FakeStatsAPI) -> None:
    fake_api.add_fault("leaguegamelog", "503", times=10)
    with StatsClient(_settings(fake_api)) as client, pytest.raises(StatsAPIError) as raised:
        client.league_game_log(SEASON, "Playoffs", "P")
    message = str(raised.value)
    assert "leaguegamelog" in message and "Season=2024-25" in message and "SeasonType=Playoffs" in message
    assert "HTTP 503" in message and "4 attempts" in message
    assert len(fake_api.requests) == 4


def test_403_is_not_retried_and_says_the_ip_is_blocked(fake_api: FakeStatsAPI) -> None:
    fake_api.add_fault("leaguegamelog", "403", times=10)
    with StatsClient(_settings(fake_api)) as client, pytest.raises(StatsAPIBlocked, match="blocking this IP"):
        client.league_game_log(SEASON, "Regular Season", "T")
    assert len(fake_api.requests) == 1


def test_an_empty_rowset_is_retried_when_the_schedule_expects_rows(fake_api: FakeStatsAPI) -> None:
    with StatsClient(_settings(fake_api)) as client:
        fake_api.add_fault("leaguegamelog", "empty", times=1)
        assert client.league_game_log(SEASON, "Regular Season", "T", require_rows=True).rows
        fake_api.add_fault("leaguegamelog", "empty", times=1)
        assert not client.league_game_log(SEASON, "Regular Season", "T").rows


def test_result_sets_are_parsed_by_header_name(fake_api: FakeStatsAPI) -> None:
    with StatsClient(_settings(fake_api)) as client:
        clean = sorted(map(sorted, map(dict.items, client.league_game_log(SEASON, "Regular Season", "P").records())))
        fake_api.add_fault("leaguegamelog", "reordered_columns", times=1)
        shuffled = client.league_game_log(SEASON, "Regular Season", "P")
    assert shuffled.headers != sorted(shuffled.headers)
    assert sorted(map(sorted, map(dict.items, shuffled.records()))) == clean


def test_every_request_carries_the_browser_headers_and_is_counted(fake_api: FakeStatsAPI) -> None:
    with StatsClient(_settings(fake_api)) as client:
        client.heartbeat()
        client.schedule(SEASON)
        client.league_game_log(SEASON, "Regular Season", "T")
        assert client.request_count == 3
    for request in fake_api.requests:
        headers = {key.lower(): value for key, value in request.headers.items()}
        assert headers["user-agent"].startswith("Mozilla/5.0") and "Chrome/" in headers["user-agent"]
        assert headers["referer"] == "https://www.nba.com/"
        assert headers["origin"] == "https://www.nba.com"
        assert headers["accept"].startswith("application/json")


def test_pauses_between_requests_stay_within_delay_plus_or_minus_jitter(fake_api: FakeStatsAPI) -> None:
    with StatsClient(_settings(fake_api, NBA_REQUEST_DELAY="0.3", NBA_REQUEST_JITTER="0.1")) as client:
        started = time.monotonic()
        for _ in range(6):
            client.heartbeat()
        elapsed = time.monotonic() - started
    assert len(client.pauses) == 5
    assert all(0.2 <= pause <= 0.4 for pause in client.pauses)
    assert len(set(client.pauses)) > 1, "the jitter varies the pauses"
    arrivals = [request.time for request in fake_api.requests]
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    assert all(gap >= 0.2 for gap in gaps)
    assert elapsed < 5 * 0.4 + 1.0


def test_an_empty_schedule_is_retried_when_the_season_has_one(fake_api: FakeStatsAPI) -> None:
    with StatsClient(_settings(fake_api)) as client:
        fake_api.add_fault("scheduleleaguev2", "empty", times=1)
        assert client.schedule(SEASON, require_games=True)["gameDates"]
        fake_api.add_fault("scheduleleaguev2", "empty", times=1)
        assert not client.schedule(SEASON)["gameDates"]


def test_cancel_ends_a_pause_at_once_and_sends_nothing_more(fake_api: FakeStatsAPI) -> None:
    # GIVEN a client pacing its requests 30 s apart, that has made one request
    client = StatsClient(_settings(fake_api, NBA_REQUEST_DELAY="30", NBA_REQUEST_JITTER="0"))
    client.league_game_log(SEASON, "Regular Season", "T")
    failure: list[BaseException] = []

    def second_request() -> None:
        try:
            client.league_game_log(SEASON, "Regular Season", "P")
        except RequestsCancelled as error:
            failure.append(error)

    waiting = threading.Thread(target=second_request)
    waiting.start()
    time.sleep(0.2)
    # WHEN another thread cancels it during the pause before the second
    started = time.monotonic()
    client.cancel()
    waiting.join(timeout=5)
    # THEN the pause ends at once, and the second request is never sent
    assert time.monotonic() - started < 1.0 and not waiting.is_alive()
    assert failure and "was not sent" in str(failure[0])
    assert len(fake_api.requests) == 1
    client.close()


def test_an_answer_that_trickles_costs_at_most_the_timeout_per_attempt(fake_api: FakeStatsAPI) -> None:
    # GIVEN an API that sends its headers at once, then one byte every 0.5 s: every read of the
    # socket is quick, so a per-read timeout would never fire
    fake_api.add_fault("leaguegamelog", "trickle", times=10, seconds=0.5)
    attempts = 3
    with StatsClient(_settings(fake_api, NBA_REQUEST_TIMEOUT="1.5", NBA_MAX_RETRIES=str(attempts - 1))) as client:
        started = time.monotonic()
        with pytest.raises(StatsAPIError) as raised:
            client.league_game_log(SEASON, "Regular Season", "T")
        elapsed = time.monotonic() - started
    # THEN each attempt ends at its deadline, and the failure is one sentence naming the endpoint
    assert len(fake_api.requests) == attempts
    assert elapsed < attempts * 1.5 + 2, f"{elapsed:.1f} s for {attempts} attempts of 1.5 s"
    assert "leaguegamelog(" in str(raised.value) and "no complete answer within 1.5 s" in str(raised.value)
    assert raised.value.kind == "timeout"
