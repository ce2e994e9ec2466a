"""Response bodies of the fake stats API, in the exact wire format of the recorded files.

Kept separate from the HTTP layer so tests (and other tools) can build bodies without a
socket. Parameter problems raise ``BadRequest`` whose message is the real API's style
of plain-text error. The game logs and the schedule serialize like their recordings
(``dumps``), the play-by-play compactly like its own (``dumps_compact``).
"""

from __future__ import annotations

import json
import logging
import re
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from .league import (
    BOX_COLUMNS,
    SEASON_TYPES,
    STAT_FIELDS,
    Game,
    Season,
    SyntheticLeague,
    is_final,
    stat_kept,
    team_by_id,
    valid_season,
)
from .playbyplay import FIRST_SEASON as FIRST_PLAY_BY_PLAY_SEASON
from .playbyplay import PlayByPlay

logger = logging.getLogger(__name__)

#: The recorded responses the fake serves as they are, shipped with the package (the
#: heartbeat's body): ``nba-elt demo`` runs from an installed copy, away from any checkout.
FIXTURES = Path(__file__).resolve().parent / "fixtures"
COMMONTEAMYEARS_FILE = FIXTURES / "commonteamyears" / "LeagueID-00.json"

TEAM_HEADERS: list[str] = [
    "SEASON_ID", "TEAM_ID", "TEAM_ABBREVIATION", "TEAM_NAME", "GAME_ID", "GAME_DATE", "MATCHUP", "WL",
    *BOX_COLUMNS, "VIDEO_AVAILABLE",
]
PLAYER_HEADERS: list[str] = [
    "SEASON_ID", "PLAYER_ID", "PLAYER_NAME", "TEAM_ID", "TEAM_ABBREVIATION", "TEAM_NAME",
    "GAME_ID", "GAME_DATE", "MATCHUP", "WL", *BOX_COLUMNS, "FANTASY_PTS", "VIDEO_AVAILABLE",
]
BROADCASTER_KEYS: tuple[str, ...] = (
    "nationalTvBroadcasters", "nationalRadioBroadcasters", "nationalOttBroadcasters",
    "homeTvBroadcasters", "homeRadioBroadcasters", "homeOttBroadcasters",
    "awayTvBroadcasters", "awayRadioBroadcasters", "awayOttBroadcasters",
    "intlRadioBroadcasters", "intlTvBroadcasters", "intlOttBroadcasters",
)
_LOG_PARAMS = (
    "LeagueID", "Season", "SeasonType", "PlayerOrTeam", "Counter", "Sorter", "Direction", "DateFrom", "DateTo",
)
_SEASON_RE = re.compile(r"^\d{4}-\d{2}$")
_GAME_ID_RE = re.compile(r"^\d{10}$")


class BadRequest(ValueError):
    """A parameter the real API would reject with HTTP 400 (message = response text)."""


def parse_api_date(value: str | None) -> date | None:
    """DateFrom/DateTo as nba_api sends them (MM/DD/YYYY) or ISO; empty means no bound."""
    if not value:
        return None
    for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise BadRequest(f"The field DateFrom/DateTo is invalid: {value!r}.")


def check_season(params: Mapping[str, str]) -> str:
    """Season is required and must look like 2024-25, else the API answers 400."""
    season = params.get("Season")
    if not season:
        raise BadRequest("The Season property is required.")
    if not _SEASON_RE.match(season) or not valid_season(season):
        raise BadRequest("The field Season must match the regular expression '^(\\d{4}-\\d{2})|(ALLTIME)$'.")
    league_id = params.get("LeagueID", "00")
    if league_id not in ("00", ""):
        raise BadRequest("The field LeagueID must match the regular expression '^\\d{2}$'.")
    return season


def _pct(made: int, attempts: int) -> float | None:
    """Shooting percentage rounded like the API; null without attempts."""
    return round(made / attempts, 3) if attempts else None


def _matchup(game: Game, team_id: int) -> str:
    """'LAL vs. BOS' on the home row, 'BOS @ LAL' on the away row; a neutral-site game's rows
    may instead both read '@' or both 'vs.' (``Game.log_marker``)."""
    me, opp = team_by_id(team_id).abbreviation, team_by_id(game.opponent(team_id)).abbreviation
    marker = game.log_marker or ("vs." if team_id == game.home_id else "@")
    return f"{me} {marker} {opp}"


def _shared(game: Game, team_id: int, season: Season) -> tuple[str, str, str, str | None, int]:
    """SEASON_ID, GAME_DATE, MATCHUP, WL and point margin for one team of a game."""
    season_id = f"{game.type_digit}{season.start_year}"
    margin = game.points(team_id) - game.points(game.opponent(team_id))
    return season_id, game.game_date.isoformat(), _matchup(game, team_id), "W" if margin > 0 else "L", margin


def _counting(s: list[int]) -> list[Any]:
    """MIN..PTS columns in header order from stored counting stats."""
    d = dict(zip(STAT_FIELDS, s, strict=True))
    pts = 2 * d["FGM"] + d["FG3M"] + d["FTM"]
    return [
        d["MIN"], d["FGM"], d["FGA"], _pct(d["FGM"], d["FGA"]), d["FG3M"], d["FG3A"], _pct(d["FG3M"], d["FG3A"]),
        d["FTM"], d["FTA"], _pct(d["FTM"], d["FTA"]), d["OREB"], d["DREB"], d["OREB"] + d["DREB"],
        d["AST"], d["STL"], d["BLK"], d["TOV"], d["PF"], pts,
    ]


def team_row(game: Game, team_id: int, season: Season) -> list[Any]:
    """One row of the team game log."""
    season_id, gdate, matchup, wl, margin = _shared(game, team_id, season)
    team = team_by_id(team_id)
    head = [season_id, team_id, team.abbreviation, team.name, game.game_id, gdate, matchup, wl]
    return head + _counting(game.totals(team_id)) + [margin, 1]


def player_rows(league: SyntheticLeague, game: Game, team_id: int, season: Season) -> list[list[Any]]:
    """Rows of the player game log for one team of a game."""
    season_id, gdate, matchup, wl, margin = _shared(game, team_id, season)
    team = team_by_id(team_id)
    team_minutes = max(1, sum(ln.get("MIN") for ln in game.lines[team_id]))
    rows = []
    for ln in game.lines[team_id]:
        c = _counting(ln.stats)
        reb, ast, stl, blk, tov, pts = c[12], c[13], c[14], c[15], c[16], c[18]
        fantasy = round(pts + 1.2 * reb + 1.5 * ast + 3.0 * stl + 3.0 * blk - 1.0 * tov, 1)
        plus_minus = round(margin * ln.get("MIN") * 5 / team_minutes)
        name = league.player(ln.player_id).name
        rows.append([season_id, ln.player_id, name, team_id, team.abbreviation, team.name, game.game_id,
                     gdate, matchup, wl] + c + [plus_minus, float(fantasy), 1])
    return rows


def _game_rows(league: SyntheticLeague, season: Season, game: Game, player: bool) -> list[list[Any]]:
    """All log rows of one game, with the league's injected anomalies applied."""
    anomalies = league.anomalies.get(game.game_id, {})
    rows: list[list[Any]] = []
    for tid in (game.home_id, game.away_id):
        if player:
            if "drop_player_rows" not in anomalies:
                rows.extend(player_rows(league, game, tid, season))
            continue
        if anomalies.get("drop_team_row") == tid:
            continue
        row = team_row(game, tid, season)
        if anomalies.get("null_team_pts") == tid:
            row[TEAM_HEADERS.index("PTS")] = None
        rows.append(row)
    return rows


def _null_unkept(rows: list[list[Any]], headers: list[str], season: str, player: bool) -> None:
    """Serve the stats the season's era did not keep as null (they are 0 in the league)."""
    unkept = [headers.index(c) for c in BOX_COLUMNS if not stat_kept(c, season, player)]
    if unkept:
        for row in rows:
            for i in unkept:
                row[i] = None


@dataclass(frozen=True)
class LogRows:
    """Every log row of one season type, sorted by GAME_DATE then GAME_ID, final or not.

    ``clocked``: the games whose rows depend on the clock (a withheld box score, null
    stats), applied per request by ``published``; usually none, so requests only filter.
    """

    keys: list[str]  # GAME_DATE of each row, for bisecting
    rows: list[list[Any]]
    clocked: dict[str, Game]


class LogCache:
    """Per (season, type, T/P, league version) row lists sorted by date, so requests only filter."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, bool, int], LogRows] = {}

    def rows(self, league: SyntheticLeague, season: str, digit: str, player: bool) -> LogRows:
        """The rows of every game of the type, final or not."""
        key = (season, digit, player, league.version)
        if key not in self._cache:
            s = league.season(season)
            rows: list[list[Any]] = []
            clocked: dict[str, Game] = {}
            for game in s.games.values():  # already in date order
                if game.type_digit == digit:
                    rows.extend(_game_rows(league, s, game, player))
                    if game.withheld_until is not None or game.null_columns:
                        clocked[game.game_id] = game
            headers = PLAYER_HEADERS if player else TEAM_HEADERS
            _null_unkept(rows, headers, season, player)
            gi = headers.index("GAME_DATE")
            rows.sort(key=lambda r: (r[gi], r[gi - 1]))
            self._cache[key] = LogRows([r[gi] for r in rows], rows, clocked)
        return self._cache[key]


_CACHES: weakref.WeakKeyDictionary[SyntheticLeague, LogCache] = weakref.WeakKeyDictionary()


def cache_for(league: SyntheticLeague) -> LogCache:
    """The row cache belonging to one league object (caches must never be shared across leagues)."""
    if league not in _CACHES:
        _CACHES[league] = LogCache()
    return _CACHES[league]


def echo_params(params: Mapping[str, str]) -> dict[str, Any]:
    """The 'parameters' object: known parameters in the real order, Counter as int."""
    out: dict[str, Any] = {}
    for k in _LOG_PARAMS:
        v: Any = params.get(k)
        if k == "Counter" and v is not None and str(v).lstrip("-").isdigit():
            v = int(v)
        out[k] = v
    return out


def log_request(params: Mapping[str, str]) -> tuple[str, str, bool, date | None, date | None]:
    """Validate a leaguegamelog request: (season, type digit, player?, date_from, date_to)."""
    season = check_season(params)
    season_type = params.get("SeasonType", "Regular Season")
    if season_type not in SEASON_TYPES:
        raise BadRequest(
            "The field SeasonType must match the regular expression "
            "'^(Regular Season)|(Pre Season)|(Playoffs)|(All Star)|(PlayIn)|(IST)$'."
        )
    pot = params.get("PlayerOrTeam", "T") or "T"
    if pot not in ("T", "P"):
        raise BadRequest("The field PlayerOrTeam must match the regular expression '^(P)|(T)$'.")
    date_from, date_to = parse_api_date(params.get("DateFrom")), parse_api_date(params.get("DateTo"))
    return season, SEASON_TYPES[season_type], pot == "P", date_from, date_to


def published(rows: list[list[Any]], clocked: Mapping[str, Game], now: date | None,
              headers: list[str]) -> list[list[Any]]:
    """The rows as the API publishes them at ``now``: withheld box scores left out, the
    columns of ``null_stat`` null (on copies: the cached rows stay as they are)."""
    if not clocked:
        return rows
    gi = headers.index("GAME_ID")
    out = []
    for row in rows:
        game = clocked.get(row[gi])
        if game is not None:
            if game.box_score_withheld(now):
                continue
            nulls = game.null_columns_at(now)
            if nulls:
                row = list(row)
                for column in nulls:
                    row[headers.index(column)] = None
        out.append(row)
    return out


def filter_dated_rows(
    keys: list[str], rows: list[list[Any]], now: date | None, lo: date | None, hi: date | None
) -> list[list[Any]]:
    """Rows with GAME_DATE < now and within [lo, hi] (keys: the sorted ISO dates of rows)."""
    start = bisect_left(keys, lo.isoformat()) if lo else 0
    end = len(keys)
    if hi:
        end = bisect_right(keys, hi.isoformat())
    if now:
        end = min(end, bisect_left(keys, now.isoformat()))
    return rows[start:end]


def result_doc(
    resource: str, params: dict[str, Any], name: str, headers: list[str], rows: list[list[Any]]
) -> dict[str, Any]:
    """The classic stats.nba.com envelope."""
    return {"resource": resource, "parameters": params,
            "resultSets": [{"name": name, "headers": headers, "rowSet": rows}]}


def leaguegamelog(
    league: SyntheticLeague | None, params: Mapping[str, str], now: date | None, cache: LogCache | None = None
) -> dict[str, Any]:
    """leaguegamelog body: completed games only, inclusive DateFrom/DateTo, Direction honoured."""
    season, digit, player, lo, hi = log_request(params)
    headers = PLAYER_HEADERS if player else TEAM_HEADERS
    rows: list[list[Any]] = []
    if league is not None and season in league.seasons:
        log = (cache or cache_for(league)).rows(league, season, digit, player)
        rows = published(filter_dated_rows(log.keys, log.rows, now, lo, hi), log.clocked, now, headers)
    if params.get("Direction", "ASC").upper() == "DESC":
        rows = rows[::-1]
    return result_doc("leaguegamelog", echo_params(params), "LeagueGameLog", headers, rows)


# ---- schedule -----------------------------------------------------------------------

def _utc_offset(d: date) -> int:
    """Hours from Eastern to UTC: 4 in daylight saving time (2nd Sun Mar - 1st Sun Nov), else 5."""
    march = date(d.year, 3, 1)
    dst_start = march + timedelta(days=(6 - march.weekday()) % 7 + 7)
    nov = date(d.year, 11, 1)
    dst_end = nov + timedelta(days=(6 - nov.weekday()) % 7)
    return 4 if dst_start <= d < dst_end else 5


def _times(game: Game) -> dict[str, str]:
    """The schedule's time fields: Eastern with a 'Z' suffix, time-only fields on 1900-01-01."""
    d = game.game_date
    hh, mm = (int(x) for x in game.time_et.split(":"))
    et = datetime(d.year, d.month, d.day, hh, mm)
    utc = et + timedelta(hours=_utc_offset(d))
    dummy_utc = datetime(1900, 1, 1) + (utc - datetime(d.year, d.month, d.day))
    z = "%Y-%m-%dT%H:%M:%SZ"
    return {
        "gameDateEst": f"{d.isoformat()}T00:00:00Z",
        "gameTimeEst": f"1900-01-01T{hh:02d}:{mm:02d}:00Z",
        "gameDateTimeEst": et.strftime(z),
        "gameDateUTC": f"{d.isoformat()}T04:00:00Z",
        "gameTimeUTC": dummy_utc.strftime(z),
        "gameDateTimeUTC": utc.strftime(z),
        "awayTeamTime": et.strftime(z),
        "homeTeamTime": et.strftime(z),
    }


def _status_text(game: Game, final: bool) -> str:
    """'Final' or the tip-off time like '7:30 pm ET'."""
    if final:
        return "Final"
    hh, mm = (int(x) for x in game.time_et.split(":"))
    return f"{(hh - 1) % 12 + 1}:{mm:02d} {'pm' if hh >= 12 else 'am'} ET"


class _Records:
    """Regular-season win/loss counts per team by date, for the schedule's wins/losses."""

    def __init__(self, season: Season, now: date | None) -> None:
        self.results: dict[int, list[tuple[str, bool]]] = {}
        for g in season.games.values():
            if g.type_digit == "2" and is_final(g, now):
                w = g.winner()
                for tid in (g.home_id, g.away_id):
                    self.results.setdefault(tid, []).append((g.game_date.isoformat(), tid == w))
        for lst in self.results.values():
            lst.sort()

    def record(self, team_id: int, through: str) -> tuple[int, int]:
        """(wins, losses) over completed regular-season games dated <= through."""
        lst = self.results.get(team_id, [])
        done = lst[: bisect_right(lst, (through, True))]
        wins = sum(1 for _, w in done if w)
        return wins, len(done) - wins


def _team_obj(game: Game, team_id: int, final: bool, records: _Records) -> dict[str, Any]:
    """homeTeam/awayTeam object."""
    team = team_by_id(team_id)
    through = game.game_date.isoformat() if final else (game.game_date - timedelta(days=1)).isoformat()
    wins, losses = records.record(team_id, through)
    return {
        "teamId": team_id, "teamName": team.nickname, "teamCity": team.city, "teamTricode": team.abbreviation,
        "teamSlug": team.slug, "wins": wins, "losses": losses,
        "score": game.schedule_score(team_id) if final else 0, "seed": game.seeds.get(team_id, 0),
    }


def _week(season: Season, d: date) -> tuple[int, str]:
    """Week number counted from the first regular-season day (weeks end on Sunday); 0 before."""
    first = season.first_regular_date
    if d < first:
        return 0, ""
    first_monday = first - timedelta(days=first.weekday())
    n = (d - first_monday).days // 7 + 1
    return n, f"Week {n}"


def schedule_game(season: Season, game: Game, seq: int, now: date | None, records: _Records) -> dict[str, Any]:
    """One game of leagueSchedule.gameDates[].games[] with every recorded field (plus newer ones).

    Home and away are the schedule's designation (``SyntheticLeague.redesignate`` swaps it)."""
    final = is_final(game, now)
    home, away = team_by_id(game.schedule_home_id), team_by_id(game.schedule_away_id)
    week_number, week_name = _week(season, game.game_date)
    arena_name, arena_city, arena_state = game.arena
    out: dict[str, Any] = {
        "gameId": game.game_id,
        "gameCode": f"{game.game_date:%Y%m%d}/{away.abbreviation}{home.abbreviation}",
        "gameStatus": 3 if final else 1,
        "gameStatusText": _status_text(game, final),
        "gameSequence": seq,
    }
    out.update(_times(game))
    out.update({
        "day": f"{game.game_date:%a}", "monthNum": game.game_date.month,
        "weekNumber": week_number, "weekName": week_name, "ifNecessary": False,
        "seriesGameNumber": game.series_game_number, "gameLabel": game.label, "gameSubLabel": game.sub_label,
        "seriesText": game.series_text if final or not game.series_game_number else game.series_before,
        "arenaName": arena_name, "arenaState": arena_state,
        "arenaCity": arena_city, "postponedStatus": "P" if game.postponed else "A", "branchLink": "",
        "gameSubtype": game.subtype, "isNeutral": game.neutral,
        "broadcasters": {k: [] for k in BROADCASTER_KEYS},
        "homeTeam": _team_obj(game, home.team_id, final, records),
        "awayTeam": _team_obj(game, away.team_id, final, records),
        "pointsLeaders": [],
    })
    return out


def _weeks(season: Season) -> list[dict[str, Any]]:
    """leagueSchedule.weeks from the first to the last regular-season week."""
    n_last, _ = _week(season, season.last_regular_date)
    first_monday = season.first_regular_date - timedelta(days=season.first_regular_date.weekday())
    out = []
    for n in range(1, n_last + 1):
        start = max(season.first_regular_date, first_monday + timedelta(days=7 * (n - 1)))
        end = first_monday + timedelta(days=7 * n - 1)
        out.append({"weekNumber": n, "weekName": f"Week {n}", "startDate": f"{start.isoformat()}T00:00:00Z",
                    "endDate": f"{end.isoformat()}T00:00:00Z"})
    return out


def empty_schedule(season: str) -> dict[str, Any]:
    """What an unknown season answers: the envelope with no game dates."""
    return {"meta": _meta(season, None),
            "leagueSchedule": {
                "seasonYear": season, "leagueId": "00", "gameDates": [], "weeks": [], "broadcasterList": [],
            }}


def _stamp(now: date | None) -> str:
    """The meta block's time: the clock's day, 10 am (a fixed time keeps bodies deterministic)."""
    return f"{(now or date(2000, 1, 1)).isoformat()}T10:00:00.0000Z"


def _meta(season: str, now: date | None) -> dict[str, Any]:
    """The schedule's meta block."""
    return {"version": 1, "request": f"http://nba.cloud/league/00/{season}/scheduleleaguev2?Format=json",
            "time": _stamp(now)}


def scheduleleaguev2(league: SyntheticLeague | None, params: Mapping[str, str], now: date | None) -> dict[str, Any]:
    """scheduleleaguev2 body: all visible games of the season grouped by date (the empty
    envelope for a season the league does not play or has no schedule for)."""
    season_name = check_season(params)
    if league is None or not league.has_schedule(season_name):
        return empty_schedule(season_name)
    season = league.season(season_name)
    records = _Records(season, now)
    by_date: dict[date, list[Game]] = {}
    for game in season.visible_games(now):
        by_date.setdefault(game.game_date, []).append(game)
    game_dates = []
    for d in sorted(by_date):
        games = sorted(by_date[d], key=lambda g: (g.time_et, g.game_id))
        game_dates.append({
            "gameDate": f"{d:%m/%d/%Y} 00:00:00",
            "games": [schedule_game(season, g, i, now, records) for i, g in enumerate(games, start=1)],
        })
    doc = empty_schedule(season_name)
    doc["meta"] = _meta(season_name, now)
    doc["leagueSchedule"]["gameDates"] = game_dates
    doc["leagueSchedule"]["weeks"] = _weeks(season)
    return doc


def commonteamyears() -> bytes:
    """The recorded commonteamyears body, served verbatim."""
    return COMMONTEAMYEARS_FILE.read_bytes()


def dumps(doc: Any) -> bytes:
    """Serialize like the recordings (json.dumps default separators)."""
    return json.dumps(doc).encode("utf-8")


def dumps_compact(doc: Any) -> bytes:
    """Serialize like the recorded play-by-play: no spaces, UTF-8 as it is (no \\u escapes)."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# ---- play-by-play -------------------------------------------------------------------

def check_game_id(params: Mapping[str, str]) -> str:
    """GameID is required and must be the ten digits of a game id, else the API answers 400.
    StartPeriod and EndPeriod are not checked: ``playbyplayv3`` answers every period whatever
    they say (its meta.request forwards no period to the feed it reads)."""
    game_id = params.get("GameID")
    if not game_id:
        raise BadRequest("The GameID property is required.")
    if not _GAME_ID_RE.match(game_id):
        raise BadRequest("The field GameID must match the regular expression '^\\d{10}$'.")
    return game_id


def published_play_by_play(league: SyntheticLeague | None, game_id: str, now: date | None) -> PlayByPlay | None:
    """The game's play-by-play as the API has it at ``now``: None for a game the league does
    not have, one not final yet, one whose play-by-play ``delay_play_by_play`` holds back,
    or one from before the API kept play-by-play (FIRST_PLAY_BY_PLAY_SEASON)."""
    if league is None:
        return None
    try:
        game = league.game(game_id)
    except KeyError:
        return None
    if game.season < FIRST_PLAY_BY_PLAY_SEASON or not game.play_by_play_published(now):
        return None
    return league.play_by_play(game_id)


def play_by_play_doc(game_id: str, actions: list[dict[str, Any]], now: date | None) -> dict[str, Any]:
    """The playbyplayv3 envelope. With no actions (an unknown game, one not played or not
    published yet) the real API still answers 200 with this envelope, its list empty and
    videoAvailable 0: the client learns nothing more than "nothing yet"."""
    return {
        "meta": {"version": 1, "request": f"http://nba.cloud/games/{game_id}/playbyplay?Format=json",
                 "time": _stamp(now)},
        "game": {"gameId": game_id, "videoAvailable": 1 if actions else 0, "actions": actions},
    }


def playbyplayv3(league: SyntheticLeague | None, params: Mapping[str, str], now: date | None) -> dict[str, Any]:
    """playbyplayv3 body as a document: every action of the game once published, else none."""
    game_id = check_game_id(params)
    pbp = published_play_by_play(league, game_id, now)
    return play_by_play_doc(game_id, pbp.actions if pbp else [], now)


def playbyplayv3_body(league: SyntheticLeague | None, params: Mapping[str, str], now: date | None) -> bytes:
    """playbyplayv3 body as bytes, the same as ``dumps_compact(playbyplayv3(...))`` but
    without building an object per action (the server answers with this)."""
    game_id = check_game_id(params)
    pbp = published_play_by_play(league, game_id, now)
    if pbp is None or not pbp.n_actions:
        return dumps_compact(play_by_play_doc(game_id, [], now))
    head = dumps_compact(play_by_play_doc(game_id, [{}], now))  # ends with '"actions":[{}]}}'
    return head[:-6] + pbp.actions_json().encode("utf-8") + b"}}"
