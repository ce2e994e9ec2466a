"""Game logs as Arrow tables: the columnar load path.

A season of player logs is some 30,000 rows. Handed to dlt as one dict per row, each
value is walked, typed and written again by dlt's JSON normaliser, which costs more than
the request itself once the API's pacing is off. A ``leaguegamelog`` result set is
already a table (``headers`` + ``rowSet``), so it goes to dlt as one, built in a single
pass with the Arrow type that matches each column's dlt hint.

The table is shaped exactly as dlt's schema expects it (columns in the order of the
hints, the primary key not nullable, a ``_dlt_id`` per row), so that dlt's normaliser
passes the parquet file through to the destination instead of reading and writing it
again. dlt adds ``_dlt_load_id`` itself when told to
(``normalize.parquet_normalizer.add_dlt_load_id``, in loader.runs.steps.DLT_SETTINGS); the
raw tables keep both lineage columns, as on the row path.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
from dlt.common.utils import uniq_id

#: The Arrow type of each dlt data type the game logs declare.
ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "date": pa.date32(),
}

#: dlt's row id column, which the row path's normaliser adds to every row.
DLT_ID = "_dlt_id"


def result_set_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    known: Mapping[str, str],
    context: Mapping[str, str],
    primary_key: Collection[str] = (),
) -> pa.Table:
    """The result set as a table: lower-cased columns typed by ``known``, plus the context.

    Columns come in the order of ``known`` (the dlt hints), then any the API added, then
    the context and ``_dlt_id``. A column the hints do not know gets the type Arrow
    infers, or string where its values disagree, as dlt would have done row by row; one
    that is null on every row is left out, since dlt does not create a column without a
    value either.
    """
    names = [header.lower() for header in headers]
    arrays = _typed_columns(rows, names, known) or _columns_one_by_one(rows, names, known)
    return _as_loaded(arrays, names, known, context, primary_key, len(rows))


def typed_table(
    names: Sequence[str],
    columns: Sequence[pa.Array | pa.ChunkedArray],
    known: Mapping[str, str],
    context: Mapping[str, str],
    primary_key: Collection[str] = (),
) -> pa.Table:
    """Like result_set_table, for columns that are Arrow arrays already (a play-by-play's
    actions, read by Arrow's JSON reader): each cast to its hint's type, where nothing is lost."""
    arrays = {}
    for name, column in zip(names, columns, strict=True):
        array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        data_type = known.get(name)
        if data_type is not None and array.type != ARROW_TYPES[data_type]:
            try:
                array = array.cast(ARROW_TYPES[data_type], safe=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                raise _unfit(name, data_type, array.to_pylist()) from None
        if data_type is not None or not pa.types.is_null(array.type):
            arrays[name] = array
    return _as_loaded(arrays, list(names), known, context, primary_key, len(columns[0]) if columns else 0)


def _as_loaded(
    arrays: Mapping[str, pa.Array], names: list[str], known: Mapping[str, str], context: Mapping[str, str],
    primary_key: Collection[str], count: int,
) -> pa.Table:
    ordered = [name for name in known if name in arrays] + [name for name in names if name not in known]
    fields = [pa.field(name, arrays[name].type, nullable=name not in primary_key)
              for name in ordered if name in arrays]
    columns = [_empty_as_null(arrays[field.name]) for field in fields]
    for name, value in context.items():
        fields.append(pa.field(name, pa.string()))
        columns.append(pa.array([value] * count, pa.string()))
    fields.append(pa.field(DLT_ID, pa.string(), nullable=False))
    columns.append(_row_ids(count))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _typed_columns(rows: Sequence[Sequence[Any]], names: list[str], known: Mapping[str, str]) -> dict[str, pa.Array]:
    """Every column at once, through one struct array: the fast way, when the hints know
    every column and every value fits its hint. Empty when they do not."""
    if not rows or any(name not in known for name in names):
        return {}
    # Dates come as 'YYYY-MM-DD' (or with a time after it): read as text, cut to the day below.
    struct = pa.struct([pa.field(name, pa.string() if known[name] == "date" else ARROW_TYPES[known[name]])
                        for name in names])
    try:
        flat = pa.array([tuple(row) for row in rows], type=struct).flatten()
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return {}  # e.g. 12.0 in an integer column: column by column, converting where nothing is lost
    return {name: _day(array) if known[name] == "date" else array
            for name, array in zip(names, flat, strict=True)}


class UnfitValue(ValueError):
    """A value that does not fit its column's type (``PTS: "abc"``), named with its column."""

    def __init__(self, column: str, data_type: str, value: Any) -> None:
        super().__init__(f"a value that is not {_TYPE_WORDS[data_type]} in column {column.upper()}: {value!r}")
        self.column, self.data_type, self.value = column, data_type, value


_TYPE_WORDS = {"bigint": "a whole number", "double": "a number", "date": "a date", "text": "text"}


def _columns_one_by_one(
    rows: Sequence[Sequence[Any]], names: list[str], known: Mapping[str, str]
) -> dict[str, pa.Array]:
    values = zip(*rows, strict=True) if rows else ([] for _ in names)
    arrays = {}
    for name, column in zip(names, values, strict=True):
        try:
            array = _column(list(column), known.get(name))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            raise _unfit(name, known[name], list(column)) from None
        if array is not None:
            arrays[name] = array
    return arrays


def _unfit(name: str, data_type: str, values: Sequence[Any]) -> UnfitValue:
    """The error naming the first value of the column that does not convert on its own."""
    for value in values:
        try:
            _column([value], data_type)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return UnfitValue(name, data_type, value)
    return UnfitValue(name, data_type, "(the column as a whole)")


def _column(values: Sequence[Any], data_type: str | None) -> pa.Array | None:
    if data_type == "date":
        return _day(pa.array(values, pa.string()))
    if data_type is not None:
        arrow_type = ARROW_TYPES[data_type]
        try:
            return pa.array(values, arrow_type)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            # e.g. 12.0 in an integer column: convert only when nothing is lost.
            return pa.array(values).cast(arrow_type, safe=True)
    try:
        inferred = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if value is None else str(value) for value in values], pa.string())
    return None if pa.types.is_null(inferred.type) else inferred


def _empty_as_null(array: pa.Array) -> pa.Array:
    """Empty texts as null, as on the row path (loader.nba_stats.helpers.without_empty_texts):
    PostgreSQL loads the tables through CSV, where "" is null in a nullable column, and
    DuckDB must hold the same."""
    if not pa.types.is_string(array.type) or not pc.any(pc.equal(array, "")).as_py():
        return array
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)


def _day(text: pa.Array) -> pa.Array:
    """'2024-10-22' or '2024-10-22T00:00:00' -> the date, as the row path's date hint parses it."""
    return pc.utf8_slice_codeunits(text, 0, 10).cast(pa.date32())


def _row_ids(count: int) -> pa.Array:
    """A unique ``_dlt_id`` per row: one random prefix per table and the row's number."""
    numbers = pa.array(range(count), pa.int64()).cast(pa.string())
    return pc.binary_join_element_wise(uniq_id(), numbers, "_")


# A game's play-by-play --------------------------------------------------------------

class NotPlayByPlay(ValueError):
    """A body that is not a play-by-play answer (an HTML page, a cut-off body)."""


def actions_table(body: bytes, action_types: Mapping[str, str] | None = None) -> pa.Table:
    """A ``playbyplayv3`` answer's actions, one row each, columns named as the API's keys.

    Arrow's JSON reader builds the table from the bytes in C++, four times as fast as
    parsing them into Python objects and building it from those (a season is some 600,000
    actions). The keys the hints know are read with their types; one the API added comes
    with the type Arrow infers. Where a value does not fit its type ("abc" for a number),
    the body is read again the slow way, which names the column and the value (UnfitValue).
    """
    schema = pa.schema([pa.field("game", pa.struct([
        pa.field("gameId", pa.string()),
        pa.field("actions", pa.list_(pa.struct([
            pa.field(_camel_case(name), ARROW_TYPES[data_type])
            for name, data_type in (action_types or {}).items()]))),
    ]))])
    try:
        document = pa_json.read_json(
            pa.py_buffer(body),
            read_options=pa_json.ReadOptions(use_threads=False, block_size=max(len(body), 1 << 16)),
            parse_options=pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer"),
        )
    except pa.ArrowInvalid:
        return _actions_table_slowly(body, action_types or {})
    if document.num_rows != 1:
        raise NotPlayByPlay("the body is not one JSON object")
    game = document.column("game").combine_chunks()
    actions = game.field("actions")
    if actions.null_count:
        raise NotPlayByPlay("the play-by-play's 'game' holds no list of actions")
    return pa.Table.from_struct_array(actions.flatten())


def _actions_table_slowly(body: bytes, action_types: Mapping[str, str]) -> pa.Table:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        start = body[:60].decode("utf-8", errors="replace")
        raise NotPlayByPlay(f"the body is not JSON (starts {start!r})") from None
    actions = document.get("game", {}).get("actions") if isinstance(document, dict) else None
    if not isinstance(actions, list):
        raise NotPlayByPlay("the JSON body has no 'game' with a list of actions")
    keys = list(dict.fromkeys(key for action in actions for key in action))
    known = {_camel_case(name): data_type for name, data_type in action_types.items()}
    arrays = _columns_one_by_one([[action.get(key) for key in keys] for action in actions], keys, known)
    return pa.table({key: arrays[key] if key in arrays else pa.nulls(len(actions)) for key in keys})


def _camel_case(name: str) -> str:
    """``player_name_i`` -> ``playerNameI``: the API's key of a raw column."""
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)
