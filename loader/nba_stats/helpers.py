"""The source's helpers, without decorators: the hardened HTTP client for stats.nba.com, the
schedule's records, and the checks and shapes of a game log's answer.

The client is built on nba_api's endpoint classes. nba_api knows every endpoint's name and
parameters; what it does not do is survive the real API: it sends no pacing, no retries,
and it parses whatever comes back. So each call here builds the request with the nba_api
endpoint class (``get_request=False``), sends it through one ``requests`` session with
browser headers, paced at ``delay ± jitter``, retried with exponential backoff on the
faults the API is known for, and parses the result sets by header name.

Why not dlt's requests helper (``dlt.sources.helpers.requests``), which retries with a
custom condition too: it reads a body under requests' per-read timeout, with no deadline
over the whole answer (a trickling server holds it forever), it has no pacing between
requests, and its backoff cannot be cut short by ``cancel()``, which a backfill needs
when its loader fails while the next seasons are being fetched. Those are this client's
reason to be.
"""

from __future__ import annotations

import hashlib
import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
import pyarrow as pa
import requests
import urllib3
from nba_api.stats.endpoints import commonteamyears, leaguegamelog, playbyplayv3, scheduleleaguev2
from nba_api.stats.endpoints._base import Endpoint
from urllib3.util import Timeout

from loader.nba_stats.columnar import NotPlayByPlay, actions_table, result_set_table, typed_table
from loader.nba_stats.settings import (
    CONTEXT_COLUMNS,
    GAME_DATE_EST,
    GAME_ID,
    PLAY_BY_PLAY_COLUMNS,
    PLAY_BY_PLAY_KEY,
    PLAY_BY_PLAY_TABLE,
    REQUIRED_LOG_COLUMNS,
    REQUIRED_PLAY_BY_PLAY_COLUMNS,
    GameLog,
    season_type_of,
)
from loader.settings import Settings

logger = logging.getLogger(__name__)

#: Upper bound of one backoff sleep, however many attempts came before.
MAX_BACKOFF_SECONDS = 60.0
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


#: What ended a failed request, for the one sentence a user reads (loader.ops.preflight).
DNS, REFUSED, TIMEOUT, OTHER = "dns", "refused", "timeout", "other"


class StatsAPIError(RuntimeError):
    """A request to the stats API failed for good; the message names endpoint and parameters,
    ``kind`` what ended the last attempt (``DNS``, ``REFUSED``, ``TIMEOUT`` or ``OTHER``)."""

    def __init__(self, message: str, kind: str = OTHER) -> None:
        super().__init__(message)
        self.kind = kind


class StatsAPIBlocked(StatsAPIError):
    """The API refused us (403): retrying only digs the hole deeper."""


class RequestsCancelled(StatsAPIError):
    """The client was cancelled: it makes no more requests."""


class _Retryable(Exception):
    """One attempt failed in a way that a later attempt may not."""

    def __init__(self, reason: str, wait: float | None = None, kind: str = OTHER) -> None:
        super().__init__(reason)
        self.wait = wait
        self.kind = kind


@dataclass(frozen=True)
class ResultSet:
    """One ``resultSets`` entry of a stats response: a named table."""

    name: str
    headers: list[str]
    rows: list[list[Any]]

    def records(self) -> Iterator[dict[str, Any]]:
        """Rows as dicts keyed by header name: the API reorders columns now and then."""
        for row in self.rows:
            yield dict(zip(self.headers, row, strict=True))


def api_date(day: date) -> str:
    """Dates as the stats API takes them in ``DateFrom``/``DateTo``."""
    return day.strftime("%m/%d/%Y")


class StatsClient:
    """Sends paced, retried requests and counts them (``request_count``, ``requests_by_endpoint``)."""

    def __init__(self, settings: Settings, sleep: Callable[[float], None] | None = None) -> None:
        self.settings = settings
        self.request_count = 0
        self.requests_by_endpoint: Counter[str] = Counter()
        self.pauses: list[float] = []
        self._cancelled = threading.Event()
        self._sleep = sleep or self._wait
        self._last_response_at: float | None = None
        self._session = requests.Session()
        self._session.headers.clear()
        self._session.headers.update(settings.headers)

    def close(self) -> None:
        self._session.close()

    def cancel(self) -> None:
        """Make no more requests, from any thread: the next one raises RequestsCancelled."""
        self._cancelled.set()

    def _wait(self, seconds: float) -> None:
        """Sleep, unless cancel() ends the pause early."""
        self._cancelled.wait(seconds)

    def __enter__(self) -> StatsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # The endpoints of the nightly sync -------------------------------------------------

    def league_game_log(
        self,
        season: str,
        season_type: str,
        player_or_team: str,
        date_from: date | None = None,
        require_rows: bool = False,
    ) -> ResultSet:
        """The season's team (``T``) or player (``P``) game logs of completed games.

        ``require_rows``: the schedule says games are final in the window, so an empty
        ``rowSet`` is one of the API's bad answers (it sends them when it throttles), to be
        retried like any other, not a quiet night.
        """
        endpoint = leaguegamelog.LeagueGameLog(
            season=season,
            season_type_all_star=season_type,
            player_or_team_abbreviation=player_or_team,
            date_from_nullable=api_date(date_from) if date_from else "",
            direction="ASC",
            sorter="DATE",
            get_request=False,
        )
        return self._result_set(endpoint, "LeagueGameLog", require_rows)

    def schedule(self, season: str, require_games: bool = False) -> dict[str, Any]:
        """The season's schedule: nested JSON, ``leagueSchedule.gameDates[].games[]``.

        ``require_games``: the database already holds this season's schedule, so an empty
        one is a bad answer to retry, not a season without a schedule.
        """
        endpoint = scheduleleaguev2.ScheduleLeagueV2(season=season, get_request=False)

        def parse(content: bytes) -> dict[str, Any]:
            body = self._json_with("leagueSchedule")(content)
            if require_games and not body["leagueSchedule"].get("gameDates"):
                raise _Retryable("an empty schedule for a season whose schedule is already loaded")
            return body

        return dict(self._get(endpoint, parse)["leagueSchedule"])

    def play_by_play(self, game_id: str) -> pa.Table:
        """One game's play-by-play: its actions as the API sent them, one row each, in the
        API's order (loader.nba_stats.columnar.actions_table). No rows is the API's answer for
        a game whose play-by-play it has not published yet: the run asks again another night."""
        endpoint = playbyplayv3.PlayByPlayV3(game_id=game_id, get_request=False)

        def parse(content: bytes) -> pa.Table:
            try:
                return actions_table(content, ACTION_TYPES)
            except NotPlayByPlay as fault:
                raise _Retryable(str(fault)) from None

        return self._get(endpoint, parse)

    def heartbeat(self) -> int:
        """One cheap request with a short timeout and no retries: is the API answering us?"""
        endpoint = commonteamyears.CommonTeamYears(get_request=False)
        body = self._get(
            endpoint,
            self._json_with("resultSets"),
            timeout=self.settings.heartbeat_timeout,
            attempts=1,
        )
        return len(body["resultSets"][0]["rowSet"])

    # Mechanics ---------------------------------------------------------------------

    def _result_set(self, endpoint: Endpoint, name: str, require_rows: bool = False) -> ResultSet:
        def parse(content: bytes) -> dict[str, Any]:
            body = self._json_with("resultSets")(content)
            if require_rows and not any(result.get("rowSet") for result in body["resultSets"]):
                raise _Retryable("an empty rowSet although the schedule lists final games")
            return body

        body = self._get(endpoint, parse)
        # Picked from the body already parsed: a season's player log is tens of MB, and
        # nba_api's response class would serialise and parse it twice more.
        result_sets = {result.get("name"): result for result in body["resultSets"]}
        if name not in result_sets:
            raise StatsAPIError(
                f"{describe(endpoint)} answered without the result set {name!r} "
                f"(it has {sorted(map(str, result_sets))}): the API's format has changed."
            )
        result_set = result_sets[name]
        return ResultSet(name=name, headers=list(result_set["headers"]), rows=list(result_set["rowSet"]))

    @staticmethod
    def _json_with(key: str) -> Callable[[bytes], dict[str, Any]]:
        """A body check: JSON with ``key`` at the top, or a retryable fault (an HTML page).

        orjson parses the bytes as they came: a season's player log is tens of MB, which
        the standard library's parser takes three times as long over.
        """

        def parse(content: bytes) -> dict[str, Any]:
            try:
                body = orjson.loads(content)
            except orjson.JSONDecodeError:
                start = content[:60].decode("utf-8", errors="replace")
                raise _Retryable(f"the body is not JSON (starts {start!r})") from None
            if not isinstance(body, dict) or key not in body:
                raise _Retryable(f"the JSON body has no {key!r}")
            return body

        return parse

    def _get(
        self,
        endpoint: Endpoint,
        parse: Callable[[bytes], dict[str, Any]],
        timeout: float | None = None,
        attempts: int | None = None,
    ) -> dict[str, Any]:
        attempts = attempts or self.settings.max_retries + 1
        last_reason, last_kind = "", OTHER
        for attempt in range(1, attempts + 1):
            try:
                return parse(self._send(endpoint, timeout or self.settings.request_timeout))
            except _Retryable as fault:
                last_reason, last_kind = str(fault), fault.kind
                if attempt == attempts:
                    break
                wait = fault.wait if fault.wait is not None else self._backoff(attempt)
                logger.warning(
                    "%s: %s; retry %d of %d in %.1f s",
                    describe(endpoint), fault, attempt, attempts - 1, wait,
                )
                self._sleep(wait)
        raise StatsAPIError(
            f"The stats API request {describe(endpoint)} failed after {attempts} "
            f"attempt{'s' if attempts > 1 else ''}: {last_reason}.",
            last_kind,
        )

    def _send(self, endpoint: Endpoint, timeout: float) -> bytes:
        """One attempt, over within ``timeout`` from the request to the body's last byte."""
        self._pace()
        if self._cancelled.is_set():
            raise RequestsCancelled(f"{describe(endpoint)} was not sent: the client was cancelled.")
        url = f"{self.settings.base_url}/{endpoint.endpoint}"
        self.request_count += 1
        self.requests_by_endpoint[endpoint.endpoint] += 1
        deadline = time.monotonic() + timeout
        try:
            # total: connecting and reading the headers share the one timeout (requests hands
            # a urllib3 Timeout through as it is, which its type hints do not say).
            with self._session.get(url, params=endpoint.parameters, stream=True,
                                   timeout=Timeout(connect=timeout, read=timeout, total=timeout),  # type: ignore[arg-type]
                                   ) as response:
                content = _read_before(response, deadline)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
            if time.monotonic() >= deadline or isinstance(error, requests.Timeout | urllib3.exceptions.TimeoutError):
                raise _Retryable(f"no complete answer within {timeout:g} s", kind=TIMEOUT) from None
            raise _Retryable(*connection_failure(error)) from None
        finally:
            self._last_response_at = time.monotonic()
        if response.status_code == 403:
            raise StatsAPIBlocked(
                f"The stats API answered 403 Forbidden to {describe(endpoint)}: "
                "it is blocking this IP or these headers."
            )
        if response.status_code in RETRYABLE_STATUS:
            raise _Retryable(f"HTTP {response.status_code}", _retry_after(response))
        if response.status_code != 200:
            raise StatsAPIError(
                f"The stats API answered HTTP {response.status_code} to {describe(endpoint)}: "
                f"{content[:200].decode('utf-8', errors='replace')!r}."
            )
        return content

    def _pace(self) -> None:
        """Sleep so that ``delay ± jitter`` separates the last answer from the next request."""
        if self._last_response_at is None:
            return
        delay, jitter = self.settings.request_delay, self.settings.request_jitter
        pause = max(0.0, random.uniform(delay - jitter, delay + jitter)) if delay or jitter else 0.0
        remaining = pause - (time.monotonic() - self._last_response_at)
        if remaining > 0:
            self._sleep(remaining)
        self.pauses.append(pause)

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff_base * 2 ** (attempt - 1)
        return min(MAX_BACKOFF_SECONDS, base * random.uniform(0.8, 1.2))


def _read_before(response: requests.Response, deadline: float) -> bytes:
    """The body, read in full before ``deadline``.

    requests' timeout bounds each read of the socket, not the whole answer: a server that
    sends a byte every few seconds (a throttling proxy, a blocked IP) would hold a request
    for as long as it liked. So the body is read one socket read at a time (``read1``, which
    returns what one read brings), the socket's timeout cut each time to what is left until
    the deadline, and the answer fails as a timeout once it is spent.
    """
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise requests.ReadTimeout("the deadline passed while the body was arriving")
        if sock is not None:
            sock.settimeout(left)
        chunk = response.raw.read1(1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def connection_failure(error: BaseException) -> tuple[str, None, str]:
    """What a failed connection was, in words, with its kind: a name that does not resolve,
    nothing listening, a reset, or another break (requests nests the cause in its message)."""
    text = repr(error)
    if "NameResolutionError" in text or "Name or service not known" in text or "nodename nor servname" in text:
        return "the host name does not resolve (DNS)", None, DNS
    if "ConnectionRefusedError" in text or "Connection refused" in text:
        return "the connection was refused (nothing listens there)", None, REFUSED
    if "ConnectionResetError" in text or "Connection reset" in text:
        return "the connection was reset", None, OTHER
    return f"the connection failed ({type(error).__name__})", None, OTHER


def _retry_after(response: requests.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return min(MAX_BACKOFF_SECONDS, max(0.0, float(raw)))
    except ValueError:
        return None


def describe(endpoint: Endpoint) -> str:
    """``leaguegamelog(Season=2025-26, SeasonType=Regular Season, ...)``, for messages."""
    params = ", ".join(f"{key}={value}" for key, value in endpoint.parameters.items() if value not in ("", None))
    return f"{endpoint.endpoint}({params})"


# The schedule -------------------------------------------------------------------------

def schedule_game_date(game: Mapping[str, Any]) -> date:
    """The game's Eastern date: ``gameDateEst`` says ``Z`` but holds Eastern time."""
    return date.fromisoformat(game[GAME_DATE_EST][:10])


def schedule_games(schedule: dict[str, Any]) -> list[dict[str, Any]]:
    """Flatten ``leagueSchedule.gameDates[].games[]`` into one record per game.

    A record keeps the API's names (``gameDateEst``), nested parts and all: dlt names the
    columns as it flattens them (``game_date_est``, ``home_team__team_id``), which spares a
    renamed copy of every game. Each record carries the season, ``row_hash``, a
    fingerprint of the game as the API sent it, so a night's load can leave out the games
    that have not changed since they were loaded, and the season type its game id names
    (derived, so no part of the fingerprint).
    """
    season = schedule.get("seasonYear", "")
    games = []
    for game_date in schedule.get("gameDates", []):
        for game in game_date.get("games", []):
            record = {**game, "season": season}
            row_hash = hashlib.sha1(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()
            record = without_empty_texts(record)
            record["row_hash"] = row_hash
            record["season_type"] = season_type_of(game[GAME_ID])
            games.append(record)
    return games


def without_empty_texts(value: Any) -> Any:
    """``value`` with every empty text, however deep, as null, as the columnar path loads a
    game log (loader.nba_stats.columnar): PostgreSQL loads CSV, which has one word for both,
    and takes "" as null in a nullable column; DuckDB would keep "". A game log row on the
    row path and a schedule record (its fingerprint taken before) get it on both targets."""
    if isinstance(value, dict):
        return {key: without_empty_texts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_empty_texts(item) for item in value]
    return None if value == "" else value


def changed_games(games: list[dict[str, Any]], stored_hashes: dict[str, str]) -> list[dict[str, Any]]:
    """The games that are new or differ from their stored copy: a night's schedule load.

    Most of a season's 1,300 schedule rows are the same from one night to the next; only
    games that went final, moved or changed teams need merging again.
    """
    return [game for game in games if stored_hashes.get(game[GAME_ID]) != game["row_hash"]]


# A game log's answer -----------------------------------------------------------------

class MissingColumnError(RuntimeError):
    """The API dropped a column that the marts need."""


class BadValueError(RuntimeError):
    """The API sent a value that its raw column's type cannot hold; nothing is loaded."""


def check_columns(
    table: str, result_set: ResultSet, known: dict[str, str], required: frozenset[str] = REQUIRED_LOG_COLUMNS,
) -> list[str]:
    """Fail on a column the marts need that the API dropped; say which columns were added or
    dropped, as sentences for the audit.

    A new column is loaded as it comes (dlt adds it to the raw table) and reported; a
    dropped column that no mart needs loads as null and is reported; a dropped column that
    a mart needs stops the run before anything is loaded.
    """
    headers = {header.lower() for header in result_set.headers}
    missing = sorted(required - headers)
    if missing:
        raise MissingColumnError(
            f"The stats API's {table} response lacks the column(s) {', '.join(c.upper() for c in missing)} "
            "that the marts need: the API's format has changed."
        )
    changes = [f"new column {name.upper()}" for name in sorted(headers - set(known) - set(CONTEXT_COLUMNS))]
    changes += [f"column {name.upper()} no longer sent (loaded as null)" for name in sorted(set(known) - headers)]
    if changes:
        logger.warning("%s: %s", table, "; ".join(changes))
    return changes


def log_batch(
    log: GameLog, result_set: ResultSet, context: dict[str, str], load_path: str = "columnar"
) -> pa.Table | list[dict[str, Any]]:
    """One answer as dlt will load it, with the ``context`` columns: an Arrow table
    (``columnar``, see loader.nba_stats.columnar) or a list of dicts keyed by lower-cased header (``rows``)."""
    if load_path == "columnar":
        return result_set_table(result_set.headers, result_set.rows, log.columns, context, log.primary_key)
    return [without_empty_texts({**{key.lower(): value for key, value in record.items()}, **context})
            for record in result_set.records()]


# A game's play-by-play -------------------------------------------------------------

#: The types of an action's keys, by raw column (the game's id is not one of them).
ACTION_TYPES = {name: data_type for name, data_type in PLAY_BY_PLAY_COLUMNS.items() if name != "game_id"}


def play_by_play_table(actions: pa.Table, game_id: str, context: dict[str, str]) -> pa.Table:
    """One game's actions as dlt loads them into ``raw.play_by_play_actions``: the API's keys
    in snake case (``actionNumber`` -> ``action_number``), typed by the hints, with the game's
    id and the context; checked for the keys the marts need (MissingColumnError names a
    dropped one), and the changes of the others logged."""
    names = ["game_id", *(_snake_case(name) for name in actions.column_names)]
    # The reader gives every known key a column; one that holds no value was not sent.
    sent = ["game_id", *(name for name, column in zip(names[1:], actions.columns, strict=True)
                         if column.null_count < len(column))]
    check_columns(PLAY_BY_PLAY_TABLE, ResultSet("actions", sent, []), PLAY_BY_PLAY_COLUMNS,
                  REQUIRED_PLAY_BY_PLAY_COLUMNS)
    columns = [pa.array([game_id] * actions.num_rows, pa.string()), *actions.columns]
    return typed_table(names, columns, PLAY_BY_PLAY_COLUMNS, context, PLAY_BY_PLAY_KEY)


def _snake_case(key: str) -> str:
    """``playerNameI`` -> ``player_name_i``, as dlt would name the column."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
