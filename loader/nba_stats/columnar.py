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

import pyarrow as pa
import pyarrow.compute as pc
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
    count = len(rows)
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
