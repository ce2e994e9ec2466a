"""How long one full season takes on each target, side by side in one run.

A synthetic season (regular season, play-in, playoffs: 1,230 + 6 + ~80 games) served by
the fake API with pacing off, loaded by `run_elt` into a fresh DuckDB file and into a fresh
PostgreSQL database, one after the other in this process. Prints a Markdown table.

    .venv/bin/python benchmarks/full_season_targets.py [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import date

import psycopg2

from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.runs.nightly import run_elt
from loader.settings import Settings

SEASON = "2024-25"
AFTER_THE_FINALS = date(2025, 7, 1)


def _admin(url: str, sql: str) -> None:
    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def _timed_run(target_env: dict[str, str], api: FakeStatsAPI) -> tuple[float, dict[str, int]]:
    settings = Settings.from_env({
        **target_env, "NBA_STATS_BASE_URL": api.base_url, "NBA_SEASON": SEASON,
        "NBA_REQUEST_DELAY": "0", "NBA_REQUEST_JITTER": "0",
    })
    started = time.perf_counter()
    summary = run_elt(settings, today=AFTER_THE_FINALS)
    return time.perf_counter() - started, summary.rows_per_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    league = SyntheticLeague([SEASON])
    name = f"nba_bench_{uuid.uuid4().hex[:8]}"
    base = args.postgres_url.rsplit("/", 1)[0].replace("postgresql://postgres@", "postgresql://postgres:bench@")
    _admin(args.postgres_url, f"create database {name}")
    try:
        with FakeStatsAPI(league, now=AFTER_THE_FINALS) as api, tempfile.TemporaryDirectory() as folder:
            duck_seconds, rows = _timed_run(
                {"NBA_TARGET": "duckdb", "NBA_DUCKDB_PATH": f"{folder}/season.duckdb"}, api)
            pg_seconds, _ = _timed_run({"NBA_TARGET": "postgres", "DATABASE_URL": f"{base}/{name}"}, api)
    finally:
        _admin(args.postgres_url, f"drop database if exists {name} with (force)")
    print(f"\nOne full season ({SEASON}), fake API, pacing off, whole run (extract, load, dbt run, dbt test); "
          f"raw rows: {sum(rows.values())} ({', '.join(f'{t} {n}' for t, n in sorted(rows.items()))})\n")
    print("| target | seconds | vs DuckDB |")
    print("|---|---|---|")
    print(f"| DuckDB | {duck_seconds:.1f} | 1.00 |")
    print(f"| PostgreSQL | {pg_seconds:.1f} | {pg_seconds / duck_seconds:.2f} |")


if __name__ == "__main__":
    main()
