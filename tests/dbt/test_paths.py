"""One meaning for a relative ``NBA_DUCKDB_PATH``: the same file for ``nba-elt``, from any
folder, and for a plain ``dbt`` in dbt_project/ (profiles.yml)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MID_SEASON, make_settings, query

from fake_stats import FakeStatsAPI
from loader.runs.nightly import run_elt
from loader.settings import DBT_PROJECT_DIR, REPO_ROOT, Settings


def test_a_relative_path_is_relative_to_the_project_folder_whatever_the_current_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"NBA_SEASON": "2025-26", "NBA_DUCKDB_PATH": "x.duckdb"})
    assert settings.duckdb_path == REPO_ROOT / "x.duckdb"
    assert Settings.from_env({"NBA_SEASON": "2025-26"}).duckdb_path == REPO_ROOT / "nba_elt.duckdb"


@pytest.mark.parametrize("target", ["duckdb"], indirect=True)
def test_nba_elt_from_another_folder_and_a_plain_dbt_in_dbt_project_open_the_same_relative_file(
    database_env: dict[str, str], fake_api: FakeStatsAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a relative NBA_DUCKDB_PATH (to a file of this test's folder) and a run from elsewhere
    relative = os.path.relpath(tmp_path / "warehouse.duckdb", REPO_ROOT)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = make_settings({**database_env, "NBA_DUCKDB_PATH": relative}, fake_api)
    run_elt(settings, today=MID_SEASON)
    assert settings.duckdb_path == tmp_path / "warehouse.duckdb"
    # WHEN an analyst runs a plain dbt test in dbt_project/ with the same relative path
    environment = {**os.environ, "NBA_TARGET": "duckdb", "NBA_DUCKDB_PATH": relative}
    audited = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "test", "--profiles-dir", "..",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=DBT_PROJECT_DIR, env=environment, capture_output=True, text=True, timeout=600,
    )
    # THEN dbt audits the file nba-elt loaded, and no other file appears
    assert audited.returncode == 0, audited.stdout[-3000:]
    assert "PASS=" in audited.stdout and "ERROR=0" in audited.stdout
    assert not (DBT_PROJECT_DIR / relative).exists() and not (elsewhere / relative).exists()
    assert query(settings, "select count(*) from nba.matches")[0][0] > 0
