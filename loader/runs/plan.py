"""What one run asks the API for, season by season: the plan, the rule that makes it, and
the fetching that fills it.

The schedule comes first because it tells which season types have games due since the
watermark: a type with nothing new (the playoffs in January) is not asked for. Then the
team and player game logs of the due types, from the plan's ``DateFrom``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from loader.nba_stats.columnar import UnfitValue
from loader.nba_stats.helpers import BadValueError, StatsClient, check_columns, log_batch, schedule_game_date
from loader.nba_stats.settings import FINAL_STATUS, GAME_ID, GAME_LOGS, GAME_STATUS, SEASON_TYPE_DIGITS
from loader.runs.reconcile import StaleGame

logger = logging.getLogger(__name__)


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
    reaching back to the earliest of ``stale_games`` (loader.runs.reconcile) that this window
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


def fetch_game_logs(client: StatsClient, plan: SyncPlan, load_path: str = "columnar") -> None:
    """Ask for both game logs of every season type the plan is due, into ``plan.game_logs``.

    Each answer is checked for the columns the marts need and turned into what dlt will
    load: an Arrow table (``columnar``, see loader.nba_stats.columnar) or a list of dicts (``rows``).
    """
    for log in GAME_LOGS:
        batches = plan.game_logs.setdefault(log.table, [])
        for season_type in plan.season_types:
            result_set = client.league_game_log(
                plan.season, season_type, log.player_or_team, plan.date_from,
                require_rows=season_type in plan.final_games_expected,
            )
            changes = check_columns(log.table, result_set, log.columns)
            if changes:
                plan.column_changes[log.table] = sorted(set(plan.column_changes.get(log.table, [])) | set(changes))
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


def fetched(plans: Sequence[SyncPlan], table: str) -> Iterator[Any]:
    """The batches fetched for ``table``, season by season."""
    for plan in plans:
        yield from plan.game_logs.get(table, [])
