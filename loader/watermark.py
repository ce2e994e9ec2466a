"""What the database already holds, read before a sync or a load: the watermark, the
schedule's fingerprints and the seasons raw holds.

The watermark is the latest date with a completed match in the season.

Read from the mart, not from dlt state, so that the database is the one source of truth:
a restored backup, a manual ``--full-refresh`` or a deleted dlt working folder all leave a
watermark that matches what analysts can see. Scheduled games never move it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

from loader.database import Database
from loader.source import RAW_TABLES

logger = logging.getLogger(__name__)


def read_watermark(database: Database, season: str) -> date | None:
    """``MAX(game_date)`` of the season's completed matches, or None before the first load."""
    if not database.table_exists("nba", "matches"):
        return None
    value = database.scalar(
        "select max(game_date) from nba.matches where is_completed and season = %s",
        (season,),
    )
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def read_schedule_hashes(database: Database, season: str) -> dict[str, str]:
    """``game_id -> row_hash`` of the season's schedule rows as last loaded (empty before)."""
    if not database.table_exists("raw", "schedule_games"):
        return {}
    has_hash = database.scalar(
        "select count(*) from information_schema.columns "
        "where table_schema = 'raw' and table_name = 'schedule_games' and column_name = 'row_hash'"
    )
    if not has_hash:
        return {}
    rows = database.query(
        "select game_id, row_hash from raw.schedule_games where season = %s and row_hash is not null", (season,)
    )
    return {game_id: row_hash for game_id, row_hash in rows}


def seasons_in_raw(database: Database, seasons: Sequence[str]) -> set[str]:
    """The seasons of ``seasons`` that any raw table holds a row of.

    The tables are read smallest first: a season found early spares the scan of the larger ones.
    """
    missing = set(seasons)
    for table in RAW_TABLES:
        if not missing:
            break
        if not database.table_exists("raw", table):
            continue
        placeholders = ", ".join(["%s"] * len(missing))
        rows = database.query(f"select distinct season from raw.{table} where season in ({placeholders})",
                              sorted(missing))
        missing -= {season for season, in rows}
    return set(seasons) - missing
