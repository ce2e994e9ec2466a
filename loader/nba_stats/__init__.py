"""The dlt source ``nba_stats``: the schedule, the game logs and the play-by-play, as four
resources in dataset ``raw``.

Three season-level requests carry a whole night's box scores: the schedule (every game,
any status), the team game logs and the player game logs (completed games only); then
one request per game completed since brings its play-by-play. The runs
(loader.runs) decide what to ask for and fetch it with this source's helpers (the client,
the schedule's records, the answer checks: helpers.py), before dlt runs, so that a
backfill can fetch the next seasons while dlt loads the last ones; this source hands what
they fetched to dlt, which merges it on natural keys (settings.py), or appends it where
the run has made sure raw holds none of its seasons.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.schema.typing import TColumnSchema, TWriteDisposition
from dlt.sources import DltResource

from loader.nba_stats.settings import (
    CONTEXT_COLUMNS,
    GAME_LOGS,
    PLAY_BY_PLAY_COLUMNS,
    PLAY_BY_PLAY_KEY,
    PLAY_BY_PLAY_MERGE_KEY,
    PLAY_BY_PLAY_TABLE,
    SCHEDULE_COLUMNS,
    SCHEDULE_KEY,
    SCHEDULE_TABLE,
)


@dlt.source(name="nba_stats")
def nba_stats(
    schedule_batches: Iterable[list[dict[str, Any]]] = (),
    game_log_batches: Mapping[str, Iterable[Any]] | None = None,
    write_disposition: TWriteDisposition = "merge",
    play_by_play_batches: Iterable[pa.Table] = (),
    play_by_play_disposition: TWriteDisposition = "merge",
) -> Iterator[DltResource]:
    """The schedule's games, each game log's answers (Arrow tables or lists of rows, by raw
    table) and games' play-by-play (an Arrow table per game), as four resources.

    A nightly sync brings one season; a backfill several at once, so that dlt's fixed cost
    per load (files, schema, staging tables, merge) is paid once for them.
    ``write_disposition``: ``merge`` on the natural keys, or ``append`` where the caller has
    made sure raw holds none of these seasons (loader.runs.steps.load_raw). The
    play-by-play merges game by game: ``delete-insert`` on ``game_id`` replaces a game's
    actions whole, so that an action the API has since removed does not linger; or it
    appends (``play_by_play_disposition``), where the caller has made sure raw holds no
    action of these games (loader.runs.steps.load_play_by_play).
    """
    game_log_batches = game_log_batches or {}
    # Keep strings as the API sent them: the schedule's "Eastern time with a Z" must not
    # become a UTC timestamp, and staging does every cast explicitly.
    dlt.current.source_schema().remove_type_detection("iso_timestamp")

    yield dlt.resource(
        _materialized(schedule_batches),
        name=SCHEDULE_TABLE,
        write_disposition=write_disposition,
        primary_key=SCHEDULE_KEY,
        columns=_columns(SCHEDULE_COLUMNS),
    )
    for log in GAME_LOGS:
        yield dlt.resource(
            _materialized(_in_one_table(game_log_batches.get(log.table, []))),
            name=log.table,
            write_disposition=write_disposition,
            primary_key=log.primary_key,
            columns=_columns({**log.columns, **CONTEXT_COLUMNS}),
        )
    yield dlt.resource(
        _materialized(_in_one_table(play_by_play_batches)),
        name=PLAY_BY_PLAY_TABLE,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"}
        if play_by_play_disposition == "merge" else play_by_play_disposition,
        primary_key=PLAY_BY_PLAY_KEY,
        merge_key=PLAY_BY_PLAY_MERGE_KEY,
        columns=_columns({**PLAY_BY_PLAY_COLUMNS, **CONTEXT_COLUMNS}),
    )


def _columns(types: dict[str, str]) -> dict[str, TColumnSchema]:
    return {name: {"name": name, "data_type": data_type} for name, data_type in types.items()}  # type: ignore[typeddict-item]


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

    dlt creates a table only once rows arrive; the dbt staging models select from every
    raw table from the first night on, even one before the season's first game.
    """
    rows = 0
    for batch in batches:
        rows += len(batch)
        yield batch
    if not rows:
        yield dlt.mark.materialize_table_schema()
