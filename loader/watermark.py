"""The incremental sync's watermark: the latest date with a completed match in the season.

Read from the mart, not from dlt state, so that the database is the one source of truth:
a restored backup, a manual ``--full-refresh`` or a deleted dlt working folder all leave a
watermark that matches what analysts can see. Scheduled games never move it.
"""

from __future__ import annotations

import logging
from datetime import date

from loader.database import Database

logger = logging.getLogger(__name__)


def read_watermark(database: Database, season: str) -> date | None:
    """``MAX(game_date)`` of the season's completed matches, or None before the first load."""
    if not database.table_exists("nba", "matches"):
        return None
    value = database.scalar(
        f"select max(game_date) from {database.relation('nba', 'matches')} where is_completed and season = %s",
        (season,),
    )
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
