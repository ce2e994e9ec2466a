"""Extract: the season-level requests, and the dlt source ``nba_stats`` that merges what they return.

Three season-level requests carry a whole night: the schedule (every game, any status),
the team game logs and the player game logs (completed games only). The schedule comes
first because it tells which season types have games due since the watermark: a type with
nothing new (the playoffs in January) is not asked for. ``plan_sync`` decides what to ask
for, ``fetch_game_logs`` asks, and ``nba_stats`` hands the answers to dlt, which merges
them into dataset ``raw`` on natural keys (or appends them, for seasons raw does not hold
yet: see loader.pipeline.load_raw). Fetching happens before dlt runs, so that a
backfill can fetch the next seasons while dlt loads the last ones.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.schema.typing import TColumnSchema, TWriteDisposition
from dlt.sources import DltResource

from loader.client import ResultSet, StatsClient
from loader.columnar import UnfitValue, result_set_table
from loader.reconcile import StaleGame
from loader.schedule import FINAL_STATUS, GAME_ID, GAME_STATUS, schedule_game_date
from loader.settings import SEASON_TYPE_DIGITS

logger = logging.getLogger(__name__)

# The columns of each game log that the dbt models read, with the type they load as.
# Declared up front so the raw tables have the same shape whatever the first night held
# (a column that is null on every row would otherwise not be created at all).
_BOX_SCORE_COLUMNS: dict[str, str] = {
    "season_id": "text",
    "team_id": "bigint",
    "team_abbreviation": "text",
    "team_name": "text",
    "game_id": "text",
    "game_date": "date",
    "matchup": "text",
    "wl": "text",
    "min": "double",
    "fgm": "bigint",
    "fga": "bigint",
    "fg_pct": "double",
    "fg3m": "bigint",
    "fg3a": "bigint",
    "fg3_pct": "double",
    "ftm": "bigint",
    "fta": "bigint",
    "ft_pct": "double",
    "oreb": "bigint",
    "dreb": "bigint",
    "reb": "bigint",
    "ast": "bigint",
    "stl": "bigint",
    "blk": "bigint",
    "tov": "bigint",
    "pf": "bigint",
    "pts": "bigint",
    "plus_minus": "double",
    "video_available": "bigint",
}
TEAM_LOG_COLUMNS = _BOX_SCORE_COLUMNS
PLAYER_LOG_COLUMNS = {
    **_BOX_SCORE_COLUMNS,
    "player_id": "bigint",
    "player_name": "text",
    "fantasy_pts": "double",
}
# Added by the loader: the request's season and season type, which the rows lack.
_CONTEXT_COLUMNS = {"season": "text", "season_type": "text"}

SCHEDULE_COLUMNS: dict[str, str] = {
    "game_id": "text",
    "season": "text",
    "game_status": "bigint",
    "game_status_text": "text",
    "game_date_est": "text",
    "postponed_status": "text",
    "home_team__team_id": "bigint",
    "home_team__team_tricode": "text",
    "home_team__score": "bigint",
    "away_team__team_id": "bigint",
    "away_team__team_tricode": "text",
    "away_team__score": "bigint",
    # Newer schedules say whether a game is played at a neutral site (NBA Cup knockouts,
    # international games); declared so the column exists before the API first sends it.
    "is_neutral": "bool",
    "row_hash": "text",
}

#: Columns a mart cannot do without: a response that lacks one fails the run by name.
REQUIRED_LOG_COLUMNS = frozenset({"game_id", "team_id", "game_date", "matchup", "pts"})


class MissingColumnError(RuntimeError):
    """The API dropped a column that the marts need."""


class BadValueError(RuntimeError):
    """The API sent a value that its raw column's type cannot hold; nothing is loaded."""


@dataclass
class SyncPlan:
    """What one run asks the API for: the season, the season types due, and from which day."""

    season: str
    season_types: list[str]
    date_from: date | None
    #: Season types whose window holds games the schedule calls final: their logs can't be empty.
    final_games_expected: set[str] = field(default_factory=set)
    #: Columns the API added or dropped, per raw table, as sentences for the audit.
    column_changes: dict[str, list[str]] = field(default_factory=dict)
    #: Game log rows the API sent, per season type (team and player logs together).
    rows_fetched: dict[str, int] = field(default_factory=dict)
    #: The schedule rows to merge: the season's games, or only those that changed.
    games: list[dict[str, Any]] = field(default_factory=list)
    #: What ``fetch_game_logs`` received, per raw table: Arrow tables or lists of rows.
    game_logs: dict[str, list[Any]] = field(default_factory=dict)
    #: Games the marts disagree with the source on, which this plan reaches back to.
    stale_games: list[StaleGame] = field(default_factory=list)


def plan_sync(
    schedule_games: Sequence[dict[str, Any]],
    season: str,
    season_types: Sequence[str],
    watermark: date | None,
    lookback_days: int,
    today: date,
    stale_games: Sequence[StaleGame] = (),
) -> SyncPlan:
    """Decide which season types to fetch, and from when, for one season.

    No watermark yet: the whole season, every type the schedule has a game of (or every
    type, when the API has no schedule for the season). Otherwise ``watermark - lookback``,
    reaching back to the earliest of ``stale_games`` (loader.reconcile) that this window
    misses, and only the types with a game due in the window (started or final by the
    schedule, or dated today or earlier) or such a stale game: the same requests, reaching
    further back. ``plan.stale_games`` keeps those the window would have missed.

    A type's answer must hold rows when its window has a game the schedule calls final dated
    before yesterday: an empty one is then a bad answer to retry, while a game played last
    night may rightly wait for its box score (the audits warn of it).
    """
    date_from = watermark - timedelta(days=lookback_days) if watermark else None
    # Games that went final since the last run are in the window anyway.
    stale_games = [game for game in stale_games if date_from is not None and game.game_date < date_from]
    if stale_games:
        date_from = min(game.game_date for game in stale_games)
    if not schedule_games:
        return SyncPlan(season, list(season_types), date_from, stale_games=list(stale_games))
    plan = SyncPlan(season, [], date_from, games=list(schedule_games), stale_games=list(stale_games))
    published_by = today - timedelta(days=1)
    for season_type in season_types:
        digit = SEASON_TYPE_DIGITS[season_type]
        in_window = [game for game in schedule_games
                     if game[GAME_ID][2] == digit and _is_due(game, date_from, today)]
        if in_window or any(game.season_type == season_type for game in stale_games):
            plan.season_types.append(season_type)
        if any(game[GAME_STATUS] == FINAL_STATUS and schedule_game_date(game) < published_by for game in in_window):
            plan.final_games_expected.add(season_type)
    return plan


def _is_due(game: dict[str, Any], date_from: date | None, today: date) -> bool:
    game_date = schedule_game_date(game)
    if date_from is not None and game_date < date_from:
        return False
    return game[GAME_STATUS] >= 2 or game_date <= today


def _columns(types: dict[str, str]) -> dict[str, TColumnSchema]:
    return {name: {"name": name, "data_type": data_type} for name, data_type in types.items()}  # type: ignore[typeddict-item]


def check_columns(table: str, result_set: ResultSet, known: dict[str, str], plan: SyncPlan) -> None:
    """Fail on a column the marts need that the API dropped; note columns added or dropped.

    A new column is loaded as it comes (dlt adds it to the raw table) and reported; a
    dropped column that no mart needs loads as null and is reported; a dropped column that
    a mart needs stops the run before anything is loaded.
    """
    headers = {header.lower() for header in result_set.headers}
    missing = sorted(REQUIRED_LOG_COLUMNS - headers)
    if missing:
        raise MissingColumnError(
            f"The stats API's {table} response lacks the column(s) {', '.join(c.upper() for c in missing)} "
            "that the marts need: the API's format has changed."
        )
    changes = [f"new column {name.upper()}" for name in sorted(headers - set(known) - set(_CONTEXT_COLUMNS))]
    changes += [f"column {name.upper()} no longer sent (loaded as null)" for name in sorted(set(known) - headers)]
    if changes:
        logger.warning("%s: %s", table, "; ".join(changes))
        plan.column_changes[table] = sorted(set(plan.column_changes.get(table, [])) | set(changes))


@dataclass(frozen=True)
class GameLog:
    """One of the two game logs: its raw table, the API's flag for it, columns and key."""

    table: str
    player_or_team: str
    columns: dict[str, str]
    primary_key: tuple[str, ...]


GAME_LOGS = (
    GameLog("team_game_logs", "T", TEAM_LOG_COLUMNS, ("game_id", "team_id")),
    GameLog("player_game_logs", "P", PLAYER_LOG_COLUMNS, ("game_id", "player_id")),
)
#: The schedule's raw table; with the game logs', every table the loader writes, smallest first.
SCHEDULE_TABLE, SCHEDULE_KEY = "schedule_games", ("game_id",)
RAW_TABLES = (SCHEDULE_TABLE, *(log.table for log in GAME_LOGS))


def fetch_game_logs(client: StatsClient, plan: SyncPlan, load_path: str = "columnar") -> None:
    """Ask for both game logs of every season type the plan is due, into ``plan.game_logs``.

    Each answer is checked for the columns the marts need and turned into what dlt will
    load: an Arrow table (``columnar``, see loader.columnar) or a list of dicts (``rows``).
    """
    for log in GAME_LOGS:
        batches = plan.game_logs.setdefault(log.table, [])
        for season_type in plan.season_types:
            result_set = client.league_game_log(
                plan.season, season_type, log.player_or_team, plan.date_from,
                require_rows=season_type in plan.final_games_expected,
            )
            check_columns(log.table, result_set, log.columns, plan)
            logger.info("%s %s %s: %d rows", log.table, plan.season, season_type, len(result_set.rows))
            plan.rows_fetched[season_type] = plan.rows_fetched.get(season_type, 0) + len(result_set.rows)
            # An empty answer makes no Arrow table: there is no value to type its columns by.
            if result_set.rows or load_path != "columnar":
                try:
                    batches.append(log_batch(log, result_set, {"season": plan.season, "season_type": season_type},
                                             load_path))
                except UnfitValue as unfit:
                    raise BadValueError(
                        f"The stats API's answer to leaguegamelog(Season={plan.season}, SeasonType={season_type}, "
                        f"PlayerOrTeam={log.player_or_team}) has {unfit} for raw.{log.table}: nothing of the night "
                        "is loaded, and the next run asks again."
                    ) from None


def log_batch(
    log: GameLog, result_set: ResultSet, context: dict[str, str], load_path: str = "columnar"
) -> pa.Table | list[dict[str, Any]]:
    """One answer as dlt will load it, with the ``context`` columns: an Arrow table
    (``columnar``, see loader.columnar) or a list of dicts keyed by lower-cased header (``rows``)."""
    if load_path == "columnar":
        return result_set_table(result_set, log.columns, context, log.primary_key)
    return [{**{key.lower(): value for key, value in record.items()}, **context} for record in result_set.records()]


def _fetched(plans: Sequence[SyncPlan], table: str) -> Iterator[Any]:
    """The batches fetched for ``table``, season by season."""
    for plan in plans:
        yield from plan.game_logs.get(table, [])


def has_repeated_keys(plans: Sequence[SyncPlan]) -> bool:
    """Whether a natural key comes twice in what ``plans`` fetched, within a table.

    Appending such a load would keep both rows; only a merge keeps one of each.
    """
    game_ids = [game[GAME_ID] for plan in plans for game in plan.games]
    if len(set(game_ids)) < len(game_ids):
        return True
    for log in GAME_LOGS:
        key = list(log.primary_key)
        batches = list(_fetched(plans, log.table))
        tables = [batch.select(key) for batch in batches if isinstance(batch, pa.Table)]
        rows = [tuple(row.get(name) for name in key)
                for batch in batches if not isinstance(batch, pa.Table) for row in batch]
        if len(set(rows)) < len(rows):
            return True
        if tables:
            keys = pa.concat_tables(tables)
            if keys.group_by(key).aggregate([]).num_rows < keys.num_rows:
                return True
    return False


def _in_one_table(batches: Iterable[Any]) -> list[Any]:
    """The batches, Arrow tables concatenated into one (without copying), or as they are.

    dlt computes and validates a table's schema for every item it extracts, which costs
    more than writing a season's rows; one table per load pays that once. It is all or
    nothing: when two answers disagree on a column's type (one the API added, typed
    differently by season), dlt gets every answer apart and reconciles them as before.
    """
    batches = list(batches)
    if len(batches) < 2 or not all(isinstance(batch, pa.Table) for batch in batches):
        return batches
    try:
        return [pa.concat_tables(batches, promote_options="default")]
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return batches


def _materialized(batches: Iterable[Any]) -> Iterator[Any]:
    """The batches, or, when all are empty, dlt's marker that creates the table anyway.

    dlt creates a table only once rows arrive; the dbt staging models select from all
    three raw tables from the first night on, even one before the season's first game.
    """
    rows = 0
    for batch in batches:
        rows += len(batch)
        yield batch
    if not rows:
        yield dlt.mark.materialize_table_schema()


@dlt.source(name="nba_stats")
def nba_stats(plans: Sequence[SyncPlan], write_disposition: TWriteDisposition = "merge") -> Iterator[DltResource]:
    """The schedule and game logs fetched for each plan, as three resources in dataset ``raw``.

    The nightly sync has one plan; a backfill hands over several seasons at once, so that
    dlt's fixed cost per load (files, schema, staging tables, merge) is paid once for them.
    ``write_disposition``: ``merge`` on the natural keys, or ``append`` where the caller
    has made sure raw holds none of these seasons (see loader.pipeline.load_raw).
    """
    # Keep strings as the API sent them: the schedule's "Eastern time with a Z" must not
    # become a UTC timestamp, and staging does every cast explicitly.
    dlt.current.source_schema().remove_type_detection("iso_timestamp")

    yield dlt.resource(
        _materialized(plan.games for plan in plans),
        name=SCHEDULE_TABLE,
        write_disposition=write_disposition,
        primary_key=SCHEDULE_KEY,
        columns=_columns(SCHEDULE_COLUMNS),
    )
    for log in GAME_LOGS:
        yield dlt.resource(
            _materialized(_in_one_table(_fetched(plans, log.table))),
            name=log.table,
            write_disposition=write_disposition,
            primary_key=log.primary_key,
            columns=_columns({**log.columns, **_CONTEXT_COLUMNS}),
        )
