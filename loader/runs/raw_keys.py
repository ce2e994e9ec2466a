"""One row per natural key in raw, whatever happened: copies of a key are removed after a load.

The loader's merges never duplicate a key, and the run lock keeps a second run from loading
beside the first. Yet copies can come: two runs that both took the append path for a fresh
season (a lost PostgreSQL lock), an older version of the loader, a manual insert. A load
therefore ends by removing, in the seasons it touched, every copy of a key but the newest
(the latest load's, then the highest ``_dlt_id``), with the rows dlt's child tables hold
for the copies removed. Each load checks after its own commit, so whichever of two
concurrent loads commits last sees both and leaves one.

A load that appended (into seasons raw held no row of, bringing no key twice) proves it
more cheaply: every row it appended is of its seasons, so a table holding exactly as many
rows of them as the load appended holds the load's rows alone, and none twice. Counting
spares grouping the rows by their keys, most of the check's time on PostgreSQL. A row from
anywhere else (a second run appending the same seasons: the later to count sees both)
makes the count differ, and the rows are grouped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from loader.database import Database
from loader.nba_stats.settings import RAW_KEYS

logger = logging.getLogger(__name__)

def remove_repeated_keys(
    database: Database, seasons: Sequence[str], appended: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Remove every copy but one of a natural key in ``seasons``; rows removed per table.

    ``appended``: the rows per table of the load, when it appended into seasons raw held no
    row of and brought no key twice (loader.runs.steps.load_raw).
    """
    removed: dict[str, int] = {}
    if not seasons:
        return removed
    placeholders = ", ".join(["%s"] * len(seasons))
    for table, key in RAW_KEYS.items():
        if not database.table_exists("raw", table):
            continue
        if appended is not None and database.scalar(
                f"select count(*) from raw.{table} where season in ({placeholders})", seasons,
        ) == appended.get(table, 0):
            continue
        columns = ", ".join(key)
        repeated = database.scalar(
            f"select coalesce(sum(copies - 1), 0) from (select count(*) as copies from raw.{table} "
            f"where season in ({placeholders}) group by {columns} having count(*) > 1) as repeated",
            seasons,
        )
        if not repeated:
            continue
        copies = (
            f"select _dlt_id from (select _dlt_id, row_number() over (partition by {columns} "
            f"order by _dlt_load_id desc, _dlt_id desc) as copy from raw.{table} "
            f"where season in ({placeholders})) as ranked where copy > 1"
        )
        for child in _child_tables(database, table):
            database.execute(f"delete from raw.{child} where _dlt_root_id in ({copies})", seasons)
        database.execute(f"delete from raw.{table} where _dlt_id in ({copies})", seasons)
        removed[table] = int(repeated)
        logger.warning("raw.%s held %d copies of keys it already had, in %s: removed, the newest kept",
                       table, repeated, ", ".join(seasons))
    return removed


def _child_tables(database: Database, table: str) -> list[str]:
    """dlt's tables of ``table``'s nested lists (``schedule_games__broadcasters__...``)."""
    prefix = f"{table}__"
    return [name for name, in database.query(
        "select table_name from information_schema.tables where table_schema = 'raw' "
        "and substr(table_name, 1, %s) = %s", (len(prefix), prefix))]
