"""The columnar load path (Arrow tables) loads exactly what the row-by-row path loads."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
import pytest
from conftest import MID_SEASON, make_settings, mart_snapshot, query

from fake_stats import FakeStatsAPI
from loader.database import connect
from loader.nba_stats import nba_stats
from loader.nba_stats.columnar import result_set_table
from loader.nba_stats.helpers import ResultSet, log_batch
from loader.nba_stats.settings import GAME_LOGS, PLAYER_LOG_COLUMNS
from loader.runs.nightly import run_elt
from loader.runs.plan import SyncPlan
from loader.runs.steps import has_repeated_keys
from loader.settings import ConfigError, Settings

RAW_COLUMNS = (
    "select table_name, column_name, data_type from information_schema.columns "
    "where table_schema = 'raw' and table_name in ('team_game_logs', 'player_game_logs') order by 1, 2"
)


def _second_database(database_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """A fresh database of the same target for the rows path."""
    if database_env["NBA_TARGET"] == "duckdb":
        return {**database_env, "NBA_DUCKDB_PATH": str(tmp_path / "rows.duckdb")}
    return database_env


def test_both_load_paths_build_identical_marts_and_raw_column_types(
    database_env: dict[str, str], fake_api: FakeStatsAPI, tmp_path: Path
) -> None:
    columnar = make_settings(database_env, fake_api, NBA_LOAD_PATH="columnar")
    run_elt(columnar, today=MID_SEASON, audit=False)
    columnar_marts, columnar_types = mart_snapshot(columnar), query(columnar, RAW_COLUMNS)
    columnar_raw = query(columnar, "select count(*), count(distinct _dlt_load_id), count(distinct _dlt_id) "
                                   "from raw.player_game_logs")

    if database_env["NBA_TARGET"] == "postgres":  # one database per test: start it again, empty
        with connect(columnar) as database:
            database.execute("drop schema raw cascade")
            database.execute("drop schema nba cascade")
    rows = make_settings(_second_database(database_env, tmp_path), fake_api, NBA_LOAD_PATH="rows")
    run_elt(rows, today=MID_SEASON, audit=False)

    assert columnar_marts == mart_snapshot(rows)
    assert columnar_marts["player_game_stats"], "the marts hold games"
    assert columnar_types == query(rows, RAW_COLUMNS)
    assert ("player_game_logs", "_dlt_load_id") in {(table, column) for table, column, _ in columnar_types}
    count, load_ids, row_ids = columnar_raw[0]
    assert count > 0 and load_ids == 1 and row_ids == count, "dlt stamps Arrow rows with its load id and row ids"


def test_each_target_takes_the_game_logs_in_its_bulk_format(
    database_env: dict[str, str], fake_api: FakeStatsAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB reads parquet files; PostgreSQL takes every table through COPY (CSV), and the
    rows a load reports are the rows it loaded, the schedule's dict rows too (dlt's CSV
    writer counts a dict's values: the loader counts the files; the recorded schedule's
    child tables, tests/loader/nba_stats/test_recorded.py)."""
    formats: dict[str, set[str]] = {}
    real_run = dlt.Pipeline.run

    def run(self: dlt.Pipeline, *args: Any, **kwargs: Any) -> Any:
        info = real_run(self, *args, **kwargs)
        for package in info.load_packages:
            for job in package.jobs["completed_jobs"]:
                formats.setdefault(job.job_file_info.table_name, set()).add(job.job_file_info.file_format)
        return info

    monkeypatch.setattr(dlt.Pipeline, "run", run)
    summary = run_elt(make_settings(database_env, fake_api), today=MID_SEASON)
    expected = {"duckdb": {"schedule_games": "parquet", "team_game_logs": "parquet", "player_game_logs": "parquet"},
                "postgres": {"schedule_games": "csv", "team_game_logs": "csv", "player_game_logs": "csv"}}
    assert {table: formats[table] for table in expected["duckdb"]} == \
        {table: {file_format} for table, file_format in expected[database_env["NBA_TARGET"]].items()}
    for table in ["player_game_logs", "schedule_games"]:
        assert summary.rows_per_table[table] == query(
            make_settings(database_env, fake_api), f"select count(*) from raw.{table}")[0][0], table


def test_a_result_set_becomes_a_table_typed_by_the_column_hints() -> None:
    headers = ["GAME_ID", "PLAYER_ID", "GAME_DATE", "MIN", "FG_PCT", "PTS", "NEW_STAT", "EMPTY_STAT", "ODD_STAT"]
    rows = [["0022400001", 7, "2024-10-22", 40, 0.5, 12.0, 3, None, 1],
            ["0022400002", 8, "2024-10-23T00:00:00", 12.5, None, None, 4, None, "n/a"]]
    table = result_set_table(headers, rows, PLAYER_LOG_COLUMNS,
                             {"season": "2024-25", "season_type": "Regular Season"})
    assert table.schema.field("game_id").type == pa.string()
    assert table.schema.field("player_id").type == pa.int64()
    assert table.column("game_date").to_pylist() == [date(2024, 10, 22), date(2024, 10, 23)]
    assert table.column("min").to_pylist() == [40.0, 12.5]
    assert table.column("pts").to_pylist() == [12, None]
    assert table.schema.field("new_stat").type == pa.int64()
    assert table.column("odd_stat").to_pylist() == ["1", "n/a"], "mixed values load as text"
    assert "empty_stat" not in table.column_names, "like the row path, no column without a value"
    assert table.column("season_type").to_pylist() == ["Regular Season"] * 2


def test_an_empty_text_loads_as_null_on_both_paths() -> None:
    """PostgreSQL loads the tables through CSV, where "" and null are one: both targets hold null."""
    result = ResultSet("LeagueGameLog", ["GAME_ID", "WL", "MATCHUP"],
                       [["0022400001", "", "BOS vs. NYK"], ["0022400002", "W", ""]])
    log = next(log for log in GAME_LOGS if log.table == "team_game_logs")
    table = log_batch(log, result, {"season": "2024-25"}, "columnar")
    rows = log_batch(log, result, {"season": "2024-25"}, "rows")
    assert isinstance(table, pa.Table) and isinstance(rows, list)
    assert table.column("wl").to_pylist() == [row["wl"] for row in rows] == [None, "W"]
    assert table.column("matchup").to_pylist() == [row["matchup"] for row in rows] == ["BOS vs. NYK", None]


def test_the_load_path_setting_is_validated() -> None:
    assert Settings.from_env({"NBA_SEASON": "2025-26"}).load_path == "columnar"
    assert Settings.from_env({"NBA_SEASON": "2025-26", "NBA_LOAD_PATH": "rows"}).load_path == "rows"
    with pytest.raises(ConfigError, match="NBA_LOAD_PATH='parquet'"):
        Settings.from_env({"NBA_SEASON": "2025-26", "NBA_LOAD_PATH": "parquet"})


def test_a_natural_key_twice_in_one_load_is_found_on_both_paths_and_across_seasons() -> None:
    """What keeps load_raw from appending a load that only a merge would deduplicate."""
    headers = ["GAME_ID", "PLAYER_ID", "GAME_DATE", "TEAM_ID", "MATCHUP", "PTS"]

    def plan(season: str, rows: list[list[object]], load_path: str = "columnar") -> SyncPlan:
        player_log = GAME_LOGS[1]
        batch = log_batch(player_log, ResultSet("LeagueGameLog", headers, rows),
                          {"season": season, "season_type": "Regular Season"}, load_path)
        return SyncPlan(season, ["Regular Season"], None, game_logs={player_log.table: [batch]})

    first = ["0022400001", 7, "2024-10-22", 1, "AAA vs. BBB", 12]
    other = ["0022400001", 8, "2024-10-22", 1, "AAA vs. BBB", 3]
    for load_path in ("columnar", "rows"):
        assert not has_repeated_keys([plan("2024-25", [first, other], load_path)])
        assert has_repeated_keys([plan("2024-25", [first, other, first], load_path)]), load_path
        assert has_repeated_keys([plan("2024-25", [first], load_path), plan("2025-26", [first], load_path)])
    games = SyncPlan("2024-25", [], None, games=[{"gameId": "0022400001"}, {"gameId": "0022400001"}])
    assert has_repeated_keys([games])


def test_a_load_hands_dlt_one_table_per_game_log_and_keeps_apart_answers_whose_types_disagree() -> None:
    """dlt computes and validates a table's schema once per item: one table per load pays it once."""
    player_log = GAME_LOGS[1]
    headers = ["GAME_ID", "PLAYER_ID", "GAME_DATE", "TEAM_ID", "MATCHUP", "PTS"]

    def plan(season: str, extra: object) -> SyncPlan:
        rows: list[list[object]] = [[f"00224000{n:02d}", n, "2024-10-22", 1, "AAA vs. BBB", n] for n in range(3)]
        with_extra = [[*row, extra] for row in rows] if extra is not None else rows
        result_set = ResultSet("LeagueGameLog", headers + (["NEW_STAT"] if extra is not None else []), with_extra)
        batch = log_batch(player_log, result_set, {"season": season, "season_type": "Regular Season"})
        return SyncPlan(season, ["Regular Season"], None, game_logs={player_log.table: [batch]})

    def items(*plans: SyncPlan) -> list[pa.Table]:
        batches = {player_log.table: [batch for plan in plans for batch in plan.game_logs[player_log.table]]}
        return list(nba_stats([], batches).resources[player_log.table])

    (one,) = items(plan("2023-24", None), plan("2024-25", 7), plan("2025-26", None))
    assert one.num_rows == 9
    assert one.column("new_stat").to_pylist() == [None] * 3 + [7] * 3 + [None] * 3, "a column one answer lacks is null"
    assert one.column("season").to_pylist() == ["2023-24"] * 3 + ["2024-25"] * 3 + ["2025-26"] * 3

    apart = items(plan("2024-25", 7), plan("2025-26", "seven"))
    assert [table.column("new_stat").type for table in apart] == [pa.int64(), pa.string()]
