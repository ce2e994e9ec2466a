"""An installed nba-elt runs outside a checkout: the wheel carries the dbt project, its
profile and the fake API's fixtures, and a run keeps its files in the folder it runs in."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from loader.settings import REPO_ROOT


def test_the_wheel_runs_the_demo_outside_the_checkout(tmp_path: Path) -> None:
    # GIVEN the project built as a wheel, unpacked where no checkout surrounds it
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    str(REPO_ROOT), "--wheel-dir", str(tmp_path / "dist")], check=True, timeout=300)
    wheel, = (tmp_path / "dist").glob("nba_elt-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    assert (site / "loader" / "_project" / "dbt_project" / "dbt_project.yml").is_file()
    assert not list((site / "loader" / "_project" / "dbt_project").glob("target")), "no build output packaged"
    # WHEN a user runs the offline demo from a folder of their own
    work = tmp_path / "work"
    work.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("NBA_", "DATABASE_URL"))}
    demo = subprocess.run([sys.executable, "-m", "loader", "demo"], cwd=work, capture_output=True, text=True,
                          env={**env, "PYTHONPATH": str(site)}, timeout=300)
    # THEN it runs from the installed copy, every audit passes, and its files stay in that folder
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    passed = re.search(r"audits passed: (\d+)/(\d+)", demo.stdout)
    assert passed and passed.group(1) == passed.group(2), demo.stdout[-2000:]
    assert f"loaded into {work / 'demo.duckdb'}" in demo.stdout
    assert (work / "logs" / "pipeline.log").is_file() and (work / "dbt-target").is_dir()
