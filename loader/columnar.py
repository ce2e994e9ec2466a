"""Game logs as Arrow tables: the columnar load path.

A season of player logs is some 30,000 rows. Handed to dlt as one dict per row, each
value is walked, typed and written again by dlt's JSON normaliser, which costs more than
the request itself once the API's pacing is off. A ``leaguegamelog`` result set is
already a table (``headers`` + ``rowSet``), so it goes to dlt as one: each column is
built once, with the Arrow type that matches its dlt column hint, and dlt writes it to
parquet without looking at rows.

dlt adds ``_dlt_load_id`` and ``_dlt_id`` to Arrow tables only when its parquet
normaliser is told to (``normalize.parquet_normalizer.add_dlt_load_id``/``add_dlt_id``);
``enable_dlt_columns`` does so, so the raw tables keep the columns staging reads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from loader.client import ResultSet

#: The Arrow type of each dlt data type the game logs declare.
ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "date": pa.date32(),
}

_DLT_COLUMN_SETTINGS = (
    "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID",
    "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID",
)


def enable_dlt_columns() -> None:
    """Have dlt add ``_dlt_load_id`` and ``_dlt_id`` to Arrow tables, as it does to rows.

    ``setdefault``: whoever sets these variables explicitly keeps the last word.
    """
    for name in _DLT_COLUMN_SETTINGS:
        os.environ.setdefault(name, "true")


def result_set_table(result_set: ResultSet, known: Mapping[str, str], context: Mapping[str, str]) -> pa.Table:
    """The result set as a table: lower-cased columns typed by ``known``, plus the context.

    A column the hints do not know (the API added it) gets the type Arrow infers, or
    string where its values disagree, as dlt would have done row by row; one that is null
    on every row is left out, since dlt does not create a column without a value either.
    """
    names = [header.lower() for header in result_set.headers]
    columns = zip(*result_set.rows, strict=True) if result_set.rows else ([] for _ in names)
    arrays: dict[str, pa.Array] = {}
    for name, values in zip(names, columns, strict=True):
        array = _column(list(values), known.get(name))
        if array is not None:
            arrays[name] = array
    for name, value in context.items():
        arrays[name] = pa.array([value] * len(result_set.rows), pa.string())
    return pa.table(arrays)


def _column(values: Sequence[Any], data_type: str | None) -> pa.Array | None:
    if data_type == "date":
        # 'YYYY-MM-DD' (or with a time after it): the day, as the row path's date hint parses it.
        days = [value[:10] if isinstance(value, str) else value for value in values]
        return pa.array(days, pa.string()).cast(pa.date32())
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
