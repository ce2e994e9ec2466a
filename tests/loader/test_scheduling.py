"""docs/scheduling.md: its crontab line runs the nightly sync as written, and its systemd
units pass ``systemd-analyze verify`` with a command that exists."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SEASON, query

from fake_stats import FakeStatsAPI
from loader.settings import REPO_ROOT, Settings

DOC = REPO_ROOT / "docs" / "scheduling.md"
#: Where the document assumes the project; the tests put this checkout there.
DOCUMENTED_ROOT = "/srv/nba-elt"
CRON_FIELD = r"(\*|\d+(-\d+)?(,\d+(-\d+)?)*)(/\d+)?"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), re.S)


def test_the_crontab_line_is_valid_and_its_command_syncs_the_season(
    tmp_path: Path, fake_api: FakeStatsAPI
) -> None:
    (line,) = [line for block in _blocks("crontab") for line in block.splitlines() if line.strip()]
    fields = line.split(None, 5)
    assert all(re.fullmatch(CRON_FIELD, field) for field in fields[:5]), fields[:5]
    minute, hour = int(fields[0]), int(fields[1])
    assert 0 <= minute < 60 and 0 <= hour < 24
    # WHEN cron's shell runs the command in a copy of the documented folder: this checkout's
    # venv, and an environment file pointing at the fake API and a fresh DuckDB file
    root = tmp_path / "nba-elt"
    root.mkdir()
    (root / ".venv").symlink_to(REPO_ROOT / ".venv")
    database = tmp_path / "scheduled.duckdb"
    (root / "nba-elt.env").write_text(
        f"NBA_DUCKDB_PATH={database}\nNBA_STATS_BASE_URL={fake_api.base_url}\nNBA_SEASON={SEASON}\n"
        "NBA_REQUEST_DELAY=0\nNBA_REQUEST_JITTER=0\nNBA_PLAY_BY_PLAY=off\n")
    command = fields[5].replace(DOCUMENTED_ROOT, str(root))
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SHELL": "/bin/sh"}
    ran = subprocess.run(["/bin/sh", "-c", command], env=environment, capture_output=True, text=True, timeout=600)
    # THEN it exits 0, prints nothing (the log has it all) and the season is in the marts
    assert ran.returncode == 0, (root / "logs" / "cron.log").read_text()[-3000:]
    assert ran.stdout == ran.stderr == ""
    assert "success; 4 API requests" in (root / "logs" / "cron.log").read_text()
    settings = Settings.from_env({"NBA_DUCKDB_PATH": str(database), "NBA_SEASON": SEASON})
    assert query(settings, "select count(*) from nba.matches where is_completed")[0][0] > 0


def test_the_systemd_units_verify_and_start_the_documented_command(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        reason = "systemd-analyze is missing: install Debian's systemd"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    service, timer = _blocks("ini")
    units = {"nba-elt.service": service, "nba-elt.timer": timer}
    for name, text in units.items():
        (tmp_path / name).write_text(text.replace(DOCUMENTED_ROOT, str(REPO_ROOT)))
    verified = subprocess.run([analyze, "verify", *(str(tmp_path / name) for name in units)],
                              capture_output=True, text=True, timeout=60)
    assert verified.returncode == 0, verified.stderr
    (exec_start,) = re.findall(r"^ExecStart=(.*)$", service, re.M)
    assert exec_start == f"{DOCUMENTED_ROOT}/.venv/bin/nba-elt elt"
    (calendar,) = re.findall(r"^OnCalendar=(.*)$", timer, re.M)
    assert subprocess.run([analyze, "calendar", calendar], capture_output=True, timeout=60).returncode == 0
