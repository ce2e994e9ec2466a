"""The offline demo: a fake stats API on loopback, a full ELT into a DuckDB file, a summary.

It runs exactly the code a nightly ``make elt`` runs (real HTTP through nba_api, dlt,
dbt), only pointed at the synthetic league of ``fake_stats`` instead of stats.nba.com.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.database import connect
from loader.runs.nightly import run_elt
from loader.runs.steps import AuditsFailed
from loader.settings import Settings, marts

logger = logging.getLogger(__name__)

DEMO_SEASON = "2024-25"
#: Mid-February: most of the regular season is final, the rest is still scheduled.
DEMO_NOW = date(2025, 2, 15)


def run_demo(path: str) -> int:
    """Fill ``path`` from the fake API and print what landed. Returns an exit code."""
    league = SyntheticLeague([DEMO_SEASON])
    with FakeStatsAPI(league, now=DEMO_NOW) as api:
        print(f"fake stats API on {api.base_url} (season {DEMO_SEASON}, clock {DEMO_NOW})")
        settings = Settings.from_env({
            "NBA_TARGET": "duckdb",
            "NBA_DUCKDB_PATH": str(Path(path)),
            "NBA_STATS_BASE_URL": api.base_url,
            "NBA_SEASON": DEMO_SEASON,
            "NBA_REQUEST_DELAY": "0",
            "NBA_REQUEST_JITTER": "0",
        })
        try:
            summary = run_elt(settings, today=DEMO_NOW)
        except AuditsFailed as error:
            print(f"audits failed: {error}")
            return 1
    with connect(settings) as database:
        total, completed = database.query(
            "select count(*), count(case when is_completed then 1 end) from nba.matches"
        )[0]
        counts = {table: database.scalar(f"select count(*) from nba.{table}") for table in marts()}
    audits = summary.audits.nodes if summary.audits else []
    passed = sum(1 for node in audits if node.status == "pass")
    print(f"\nloaded into {settings.duckdb_path}")
    print(f"  matches: {total} ({completed} completed, {total - completed} scheduled)")
    for table, count in counts.items():
        print(f"  nba.{table:<18} {count:>7} rows")
    for table, count in sorted(summary.rows_per_table.items()):
        print(f"  raw.{table:<18} {count:>7} rows loaded")
    print(f"  API requests: {summary.api_requests}; audits passed: {passed}/{len(audits)}")
    return 0 if passed == len(audits) else 1
