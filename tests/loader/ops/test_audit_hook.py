"""The dbt on-run-end hook: every test result lands in audit.pipeline_audit, whoever runs dbt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import MID_SEASON, make_settings, query

from fake_stats import FakeStatsAPI
from loader.runs.nightly import run_elt
from loader.settings import DBT_PROJECT_DIR, REPO_ROOT, Settings

STATUSES = {"pass": "success", "warn": "warn", "fail": "fail", "error": "error"}


def _plain_dbt(database_env: dict[str, str], target_path: Path, *command: str) -> list[dict[str, object]]:
    """dbt as an analyst runs it by hand (``nba-elt dbt <command>``, which points it at the
    configured database), in a process of its own; the test results it reported."""
    env = {key: value for key, value in os.environ.items() if key != "NBA_RUN_ID"}
    env.update(database_env)
    completed = subprocess.run(
        [sys.executable, "-m", "loader", "dbt", *command,
         "--target-path", str(target_path), "--log-path", str(target_path / "logs")],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads((target_path / "run_results.json").read_text())
    metadata_invocation = results["metadata"]["invocation_id"]
    tests = [result for result in results["results"] if result["unique_id"].startswith("test.")]
    for result in tests:
        result["invocation_id"] = metadata_invocation
    return tests


def _hook_rows(settings: Settings, run_id: str) -> dict[str, tuple[Any, ...]]:
    rows = query(
        settings,
        "select name, status, failures, load_id, started_at, finished_at from audit.pipeline_audit "
        "where step = 'audit_check' and run_id = %s",
        (run_id,),
    )
    by_name = {row[0]: row for row in rows}
    assert len(by_name) == len(rows), "one row per test, no duplicates"
    return by_name


def test_a_run_and_plain_dbt_test_and_build_each_record_one_row_per_test(
    database_env: dict[str, str], fake_api: FakeStatsAPI, tmp_path: Path
) -> None:
    # GIVEN a synced database; the loader's own dbt test records under the run's id
    settings = make_settings(database_env, fake_api)
    summary = run_elt(settings, today=MID_SEASON)
    assert summary.audits is not None
    run_rows = _hook_rows(settings, summary.run_id)
    assert set(run_rows) == {node.name for node in summary.audits.nodes}
    assert len(run_rows) >= 20
    assert {row[1] for row in run_rows.values()} == {"success"}
    assert {row[3] for row in run_rows.values()} == {summary.audits.invocation_id}
    assert "NBA_RUN_ID" not in os.environ, "the loader leaves the environment as it found it"

    # WHEN an analyst runs plain `dbt test`, then `dbt build` of one mart, in processes of their own
    for command in [("test",), ("build", "--select", "matches")]:
        tests = _plain_dbt(database_env, tmp_path / "target", *command)
        assert tests, f"dbt {command[0]} ran tests"
        invocation_id = str(tests[0]["invocation_id"])
        # THEN each test result is a committed row (read here on a new connection), run id = invocation id
        rows = _hook_rows(settings, invocation_id)
        assert set(rows) == {str(result["unique_id"]).split(".")[2] for result in tests}
        for result in tests:
            name, status, failures, load_id, started_at, finished_at = rows[str(result["unique_id"]).split(".")[2]]
            assert status == STATUSES[str(result["status"])]
            assert failures == result["failures"]
            assert load_id == invocation_id
            assert started_at is not None and finished_at is not None and started_at <= finished_at
    assert len(_hook_rows(settings, summary.run_id)) == len(run_rows), "earlier rows are untouched"


def test_the_hook_and_the_loader_create_the_audit_table_from_its_one_definition() -> None:
    # The table is created by whichever writes first, the loader or an analyst's plain
    # `dbt test`: both run the macro create_audit_table, and nothing else defines the table.
    from loader.ops.audit import CREATE_AUDIT_TABLE

    macros = Path(DBT_PROJECT_DIR) / "macros"
    definitions = [path.name for path in macros.glob("*.sql")
                   if "create table if not exists audit.pipeline_audit" in path.read_text()]
    assert definitions == ["audit_table.sql"]
    assert "{{ create_audit_table() }}" in (macros / "record_audit_results.sql").read_text()
    assert CREATE_AUDIT_TABLE.startswith("create table if not exists audit.pipeline_audit (")
    assert CREATE_AUDIT_TABLE.split() == (macros / "audit_table.sql").read_text().split(
        "{% macro create_audit_table() -%}")[1].split("{%- endmacro %}")[0].split()
