"""Every mart is documented and contracted, and the built tables honour the contracts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from shared_load import loaded_season, season_database_env  # noqa: F401  (fixtures)

from loader.database import connect
from loader.settings import Settings

MARTS_YML = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts" / "_marts.yml"
MARTS_DIR = MARTS_YML.parent

#: How each contract type reads back from information_schema on each target.
TYPE_NAMES = {
    "duckdb": {"text": "VARCHAR", "bigint": "BIGINT", "integer": "INTEGER", "double precision": "DOUBLE",
               "date": "DATE", "boolean": "BOOLEAN"},
    "postgres": {"text": "text", "bigint": "bigint", "integer": "integer", "double precision": "double precision",
                 "date": "date", "boolean": "boolean"},
}


def marts() -> list[dict[str, Any]]:
    return list(yaml.safe_load(MARTS_YML.read_text())["models"])


def test_every_mart_and_column_is_described_and_typed_and_keyed() -> None:
    models = {model["name"]: model for model in marts()}
    assert set(models) == {path.stem for path in MARTS_DIR.glob("*.sql")}
    for name, model in models.items():
        assert model["description"].startswith("One row per"), f"{name}: state the grain first"
        assert [c["type"] for c in model["constraints"]] == ["primary_key"], name
        for column in model["columns"]:
            assert column.get("description") and column.get("data_type"), f"{name}.{column['name']}"


@pytest.mark.parametrize("model", marts(), ids=lambda model: model["name"])
def test_a_built_mart_has_the_contracted_columns_types_and_primary_key(
    loaded_season: Settings, model: dict[str, Any]  # noqa: F811
) -> None:
    types = TYPE_NAMES[loaded_season.target]
    with connect(loaded_season) as database:
        columns = database.query(
            "select column_name, data_type, is_nullable from information_schema.columns "
            "where table_schema = 'nba' and table_name = %s order by ordinal_position", (model["name"],))
        key = database.query(
            "select count(*) from information_schema.table_constraints "
            "where table_schema = 'nba' and table_name = %s and constraint_type = 'PRIMARY KEY'", (model["name"],))
    assert [(name, data_type) for name, data_type, _ in columns] == [
        (column["name"], types[column["data_type"]]) for column in model["columns"]
    ]
    not_null = {column["name"] for column in model["columns"]
                if {"type": "not_null"} in column.get("constraints", [])}
    key_columns = set(model["constraints"][0]["columns"])
    assert {name for name, _, nullable in columns if nullable == "NO"} == not_null | key_columns
    assert key == [(1,)]
