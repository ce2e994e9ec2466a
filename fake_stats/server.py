"""FakeStatsAPI: a loopback HTTP server that speaks the NBA Stats wire format.

It serves a SyntheticLeague (and/or recorded response files) as of a settable clock,
records every request and injects faults on demand, so loaders can be tested against
rate limits, outages, blocked pages and schema drift without touching the internet.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import signal
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlparse

from . import wire
from .league import DEFAULT_SCHEDULES_FROM, SyntheticLeague

logger = logging.getLogger(__name__)

DATA_ENDPOINTS = ("leaguegamelog", "scheduleleaguev2", "playbyplayv3")
KNOWN_ENDPOINTS = DATA_ENDPOINTS + ("commonteamyears",)
FAULT_KINDS = (
    "429", "500", "502", "503", "403", "slow", "hang", "reset", "html", "truncated",
    "extra_column", "missing_column", "reordered_columns", "empty", "trickle", "bad_value",
)
#: The faults that distort a valid body (``distort``); the others replace or delay it.
DISTORTIONS = ("extra_column", "missing_column", "reordered_columns", "empty", "bad_value")
#: A play-by-play action's key for a fault's ``column`` named as a game log's column.
PLAY_BY_PLAY_KEY_FOR = {"PTS": "scoreHome"}
_STATUS_TEXT = {403: b"Forbidden", 429: b"Too Many Requests", 500: b"Internal Server Error",
                502: b"Bad Gateway", 503: b"Service Unavailable"}
ACCESS_DENIED_HTML = (
    b"<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n"
    b"You don't have permission to access this server.<P>\nReference #18.fake\n</BODY>\n</HTML>\n"
)

# recorded key: (endpoint, Season, SeasonType, PlayerOrTeam); schedule uses "" for the last two, the
# play-by-play (endpoint, GameID, "", "")
RecordedKey = tuple[str, str, str, str]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it."""

    time: float  # time.monotonic()
    endpoint: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class Fault:
    """A pending fault: applies to ``times`` matching requests once ``after`` have passed."""

    endpoint: str | None
    kind: str
    times: int = 1
    after: int = 0
    seconds: float = 2.0
    column: str = "PTS"
    seen: int = 0

    def matches(self, endpoint: str) -> bool:
        """None targets every data endpoint; commonteamyears only when named."""
        if self.endpoint is None:
            return endpoint in DATA_ENDPOINTS
        return self.endpoint.lower() == endpoint


@dataclass
class _Response:
    """What the handler writes: status, body, content type, extra headers; None status = reset."""

    status: int | None
    body: bytes = b""
    ctype: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds between the body's bytes, sent one at a time (the ``trickle`` fault); 0: at once.
    trickle: float = 0.0


def recorded_key(doc: Mapping[str, Any]) -> RecordedKey:
    """The lookup key of a recorded body, read from the body itself."""
    if "leagueSchedule" in doc:
        return ("scheduleleaguev2", doc["leagueSchedule"]["seasonYear"], "", "")
    if isinstance(doc.get("game"), Mapping) and "actions" in doc["game"]:
        return ("playbyplayv3", str(doc["game"]["gameId"]), "", "")
    params = doc.get("parameters") or {}
    return (str(doc["resource"]).lower(), params.get("Season") or "",
            params.get("SeasonType") or "", params.get("PlayerOrTeam") or "")


class FakeStatsAPI:
    """The fake API server; a context manager that starts on enter and stops on exit."""

    def __init__(
        self,
        league: SyntheticLeague | None = None,
        now: date | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        recorded: Mapping[RecordedKey, Mapping[str, Any]] | None = None,
        cache_bodies: bool = False,
    ) -> None:
        self.league = league
        self.now = now  # the clock: games dated before it are final; None = everything final
        self.recorded: dict[RecordedKey, Mapping[str, Any]] = dict(recorded or {})
        # Encoded bodies by request, as a CDN in front of the real API keeps them: only for a
        # league and clock that stay as they are (benchmarks), so that what a client's timing
        # measures is the client, not this server's JSON encoder.
        self._body_cache: dict[tuple[str, frozenset[tuple[str, str]]], bytes] | None = {} if cache_bodies else None
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def from_recorded(cls, *paths: str | Path, league: SyntheticLeague | None = None, now: date | None = None,
                      port: int = 0) -> FakeStatsAPI:
        """A server answering from recorded files (keyed by the parameters inside each file)."""
        recorded = {}
        for p in paths:
            doc = json.loads(Path(p).read_text())
            recorded[recorded_key(doc)] = doc
        return cls(league, now=now, port=port, recorded=recorded)

    # ---- lifecycle ------------------------------------------------------------------
    def start(self) -> FakeStatsAPI:
        """Bind (port 0 = a free port) and serve in a daemon thread."""
        handler = type("Handler", (_Handler,), {"api": self})
        server = ThreadingHTTPServer((self._host, self._port), handler)
        server.daemon_threads = True
        self._server = server
        self._stopping.clear()
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        logger.info("fake stats api on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving; hanging handlers notice the stop event and give up."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeStatsAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port."""
        assert self._server is not None, "server not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """e.g. http://127.0.0.1:PORT/stats (endpoints live under it)."""
        return f"http://{self._host}:{self.port}/stats"

    # ---- requests and faults -----------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget recorded requests."""
        with self._lock:
            self._requests.clear()

    def add_fault(self, endpoint: str | None, kind: str, times: int = 1, after: int = 0,
                  seconds: float = 2.0, column: str = "PTS") -> Fault:
        """Inject ``kind`` into the next ``times`` requests of ``endpoint`` after ``after`` clean ones."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {FAULT_KINDS}")
        fault = Fault(endpoint, kind, times, after, seconds, column)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Drop all pending faults."""
        with self._lock:
            self._faults.clear()

    def _record(self, endpoint: str, params: dict[str, str], headers: dict[str, str]) -> Fault | None:
        """Record a request and pick the fault (if any) that applies to it."""
        with self._lock:
            self._requests.append(RecordedRequest(time.monotonic(), endpoint, params, headers))
            chosen = None
            for fault in self._faults:
                if not fault.matches(endpoint):
                    continue
                fault.seen += 1
                if chosen is None and fault.seen > fault.after and fault.times > 0:
                    fault.times -= 1
                    chosen = fault
            self._faults = [f for f in self._faults if f.times > 0]
            return chosen

    # ---- answering ----------------------------------------------------------------------
    def handle(self, endpoint: str, params: dict[str, str], headers: dict[str, str]) -> _Response:
        """Full request pipeline: record, pick fault, build body, apply fault."""
        fault = self._record(endpoint, params, headers)
        if endpoint not in KNOWN_ENDPOINTS:
            return _Response(404, b"Not Found", "text/plain; charset=utf-8")
        early = self._early_fault(fault)
        if early is not None:
            return early
        key = (endpoint, frozenset(params.items()))
        if fault is None and self._body_cache is not None and key in self._body_cache:
            return _Response(200, self._body_cache[key])
        try:
            doc = self.body(endpoint, params)
        except wire.BadRequest as e:
            return _Response(400, str(e).encode(), "text/plain; charset=utf-8")
        response = self._late_fault(fault, doc, endpoint)
        if fault is None and self._body_cache is not None:
            self._body_cache[key] = response.body
        return response

    def _early_fault(self, fault: Fault | None) -> _Response | None:
        """Faults that replace the answer entirely (or delay it)."""
        if fault is None:
            return None
        kind = fault.kind
        if kind.isdigit():
            extra = {"Retry-After": "1"} if kind == "429" else {}
            return _Response(int(kind), _STATUS_TEXT[int(kind)], "text/plain; charset=utf-8", extra)
        if kind == "reset":
            return _Response(None)
        if kind == "html":
            return _Response(200, ACCESS_DENIED_HTML, "text/html")
        if kind in ("slow", "hang"):
            self._stopping.wait(fault.seconds if kind == "slow" else 60.0)
            if self._stopping.is_set():
                return _Response(None)
        return None

    def _late_fault(self, fault: Fault | None, doc: Any, endpoint: str = "") -> _Response:
        """Faults that distort a valid body."""
        kind = fault.kind if fault else ""
        if isinstance(doc, bytes) and endpoint == "playbyplayv3" and kind in DISTORTIONS:
            doc = json.loads(doc)  # built as bytes for speed: distorted as a document
        if isinstance(doc, bytes):  # verbatim recorded body
            body = doc
        else:
            if kind in DISTORTIONS:
                doc = distort(doc, kind, fault.column if fault else "PTS")
            body = wire.dumps_compact(doc) if endpoint == "playbyplayv3" else wire.dumps(doc)
        if kind == "truncated":
            body = body[: len(body) // 2]
        # The headers at once, then one byte every few seconds: each read of the socket is
        # quick, the whole answer endless (as from a throttling proxy).
        return _Response(200, body, trickle=fault.seconds if fault and kind == "trickle" else 0.0)

    def body(self, endpoint: str, params: Mapping[str, str]) -> Any:
        """The undistorted body for a request (dict, or bytes when served verbatim)."""
        if endpoint == "commonteamyears":
            return wire.commonteamyears()
        recorded = self._recorded_body(endpoint, params)
        if recorded is not None:
            return recorded
        if endpoint == "leaguegamelog":
            return wire.leaguegamelog(self.league, params, self.now)
        if endpoint == "playbyplayv3":
            return wire.playbyplayv3_body(self.league, params, self.now)
        return wire.scheduleleaguev2(self.league, params, self.now)

    def _recorded_body(self, endpoint: str, params: Mapping[str, str]) -> Any:
        """A recorded answer for the request, or None to fall through to the league."""
        if endpoint == "scheduleleaguev2":
            doc = self.recorded.get((endpoint, wire.check_season(params), "", ""))
            return json.loads(json.dumps(doc)) if doc is not None else None
        if endpoint == "playbyplayv3":  # the recorded game, whatever the clock: it was played long ago
            doc = self.recorded.get((endpoint, wire.check_game_id(params), "", ""))
            return json.loads(json.dumps(doc)) if doc is not None else None
        season, _, player, lo, hi = wire.log_request(params)
        season_type = params.get("SeasonType", "Regular Season")
        doc = self.recorded.get((endpoint, season, season_type, "P" if player else "T"))
        if doc is None:
            if player and (endpoint, season, season_type, "T") in self.recorded:
                return wire.result_doc(endpoint, wire.echo_params(params), "LeagueGameLog", wire.PLAYER_HEADERS, [])
            return None
        return _filter_recorded_log(doc, params, self.now, lo, hi)


def _filter_recorded_log(doc: Mapping[str, Any], params: Mapping[str, str], now: date | None,
                         lo: date | None, hi: date | None) -> dict[str, Any]:
    """Apply the clock and DateFrom/DateTo to a recorded game log by GAME_DATE."""
    rs = doc["resultSets"][0]
    gi = rs["headers"].index("GAME_DATE")
    rows = [r for r in rs["rowSet"]
            if (lo is None or r[gi] >= lo.isoformat()) and (hi is None or r[gi] <= hi.isoformat())
            and (now is None or r[gi] < now.isoformat())]
    out = dict(doc)
    out["parameters"] = wire.echo_params(params) if params else doc.get("parameters")
    out["resultSets"] = [dict(rs, rowSet=rows)] + list(doc["resultSets"][1:])
    return out


def distort(doc: dict[str, Any], kind: str, column: str = "PTS") -> dict[str, Any]:
    """Schema-drift faults on every result set (the schedule only supports 'empty'); on the
    play-by-play's actions, which are objects: their keys are its columns."""
    if isinstance(doc.get("game"), dict) and "actions" in doc["game"]:
        return _distort_actions(doc, kind, PLAY_BY_PLAY_KEY_FOR.get(column, column))
    if "leagueSchedule" in doc:
        if kind == "empty":
            doc = dict(doc, leagueSchedule=dict(doc["leagueSchedule"], gameDates=[]))
        return doc
    sets = []
    for rs in doc.get("resultSets", []):
        headers, rows = list(rs["headers"]), [list(r) for r in rs["rowSet"]]
        if kind == "empty":
            rows = []
        elif kind == "extra_column":
            headers.append("NEW_STAT")
            rows = [r + [0] for r in rows]
        elif kind == "bad_value" and column in headers and rows:
            rows[0][headers.index(column)] = "abc"  # a value no typed column can hold
        elif kind == "missing_column" and column in headers:
            i = headers.index(column)
            headers.pop(i)
            rows = [r[:i] + r[i + 1:] for r in rows]
        elif kind == "reordered_columns":
            order = list(range(len(headers)))
            random.Random(0).shuffle(order)
            headers = [headers[i] for i in order]
            rows = [[r[i] for i in order] for r in rows]
        sets.append(dict(rs, headers=headers, rowSet=rows))
    return dict(doc, resultSets=sets)


def _distort_actions(doc: dict[str, Any], kind: str, key: str) -> dict[str, Any]:
    """The play-by-play's drift: no actions ("empty"), ``key`` gone from every action, a new
    key "newStat" on every action, every action's keys in one shuffled order, or the first
    action's ``key`` "abc"."""
    actions = [dict(a) for a in doc["game"]["actions"]]
    if kind == "empty":
        actions = []
    elif kind == "missing_column":
        for a in actions:
            a.pop(key, None)
    elif kind == "extra_column":
        for a in actions:
            a["newStat"] = 0
    elif kind == "reordered_columns" and actions:
        order = list(actions[0])
        random.Random(0).shuffle(order)
        actions = [{k: a[k] for k in order if k in a} | a for a in actions]
    elif kind == "bad_value" and actions and key in actions[0]:
        actions[0][key] = "abc"  # a value no typed column can hold
    return dict(doc, game=dict(doc["game"], actions=actions))


class _Handler(BaseHTTPRequestHandler):
    """Routes /stats/<endpoint> to the owning FakeStatsAPI."""

    api: FakeStatsAPI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Route access logs to logging instead of stderr."""
        logger.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        """Answer one GET."""
        url = urlparse(self.path)
        parts = [p for p in url.path.split("/") if p]
        endpoint = parts[1].lower() if len(parts) == 2 and parts[0].lower() == "stats" else "/".join(parts)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        headers = {k: v for k, v in self.headers.items()}
        self._write(self.api.handle(endpoint, params, headers))

    def _write(self, resp: _Response) -> None:
        """Send a response, or reset the connection when status is None."""
        if resp.status is None:
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.ctype)
        self.send_header("Content-Length", str(len(resp.body)))
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if not resp.trickle:
            self.wfile.write(resp.body)
            return
        self.wfile.flush()
        for index in range(len(resp.body)):
            if self.api._stopping.wait(resp.trickle):
                return
            try:
                self.wfile.write(resp.body[index:index + 1])
                self.wfile.flush()
            except OSError:  # the client gave up
                return


def serve_forever(port: int, seasons: list[str], now: date, seed: int = 0,
                  on_ready: Callable[[str], None] | None = None, cache_bodies: bool = False,
                  schedules_from: str = DEFAULT_SCHEDULES_FROM) -> None:
    """Serve a synthetic league on 127.0.0.1:port until interrupted (Ctrl-C)."""
    league = SyntheticLeague(seasons, seed=seed, schedules_from=schedules_from)
    api = FakeStatsAPI(league, now=now, port=port, cache_bodies=cache_bodies).start()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_interrupt)  # `kill PID` stops as cleanly as Ctrl-C
    if on_ready is not None:
        on_ready(api.base_url)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        logger.info("stopping fake stats api")
    finally:
        api.stop()


def _raise_interrupt(signum: int, frame: object) -> None:
    """SIGTERM handler: reuse the KeyboardInterrupt shutdown path."""
    raise KeyboardInterrupt


def _seasons_arg(values: Iterable[str]) -> list[str]:
    """--seasons accepts space- or comma-separated lists."""
    return [s for v in values for s in v.split(",") if s]


def main(argv: list[str] | None = None) -> None:
    """CLI: python -m fake_stats --port 8765 --seasons 2024-25 --now 2025-01-15."""
    ap = argparse.ArgumentParser(prog="fake_stats", description="Fake NBA Stats API on loopback")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--seasons", nargs="+", default=["2024-25"])
    ap.add_argument("--now", type=date.fromisoformat, default=date.today())
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--schedules-from", default=DEFAULT_SCHEDULES_FROM,
                    help="first season with a schedule; earlier ones answer an empty scheduleleaguev2")
    ap.add_argument("--cache-bodies", action="store_true",
                    help="answer a repeated request from the body sent the first time (for benchmarks)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    serve_forever(args.port, _seasons_arg(args.seasons), args.now, args.seed,
                  on_ready=lambda url: print(f"fake stats api at {url}", flush=True),
                  cache_bodies=args.cache_bodies, schedules_from=args.schedules_from)
