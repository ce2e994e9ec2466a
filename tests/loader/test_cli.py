"""The command line as a person meets it: a version, and help pages that say what each command
does and what each option defaults to."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest
import requests

from loader.cli import _parser, main
from loader.settings import REPO_ROOT


def test_version_is_the_installed_packages(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"nba-elt {version('nba-elt')}"


def test_every_command_describes_itself_and_shows_its_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    commands = _parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(commands) >= {"elt", "backfill", "preflight", "fake-api", "demo", "status", "dbt", "serve"}
    for name, command in commands.items():
        page = command.format_help()
        assert command.description, f"nba-elt {name} --help has no description"
        for action in command._actions:
            if action.default not in (None, False, "==SUPPRESS==") and action.option_strings:
                assert "(default:" in (action.help or "") or "%(default)" in (action.help or "") \
                    or f"(default: {action.default}" in " ".join(page.split()), (name, action.dest)
    top = _parser().format_help()
    assert "``" not in top and "nba-elt COMMAND --help" in top


def test_fake_api_prints_the_url_to_export_and_its_clock() -> None:
    server = subprocess.Popen([sys.executable, "-m", "loader", "fake-api", "--port", "0", "--now", "2025-01-15"],
                              cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None
        first = next(line for line in server.stdout if "fake stats API at" in line)  # after the log line
        second = server.stdout.readline()
        assert "its clock at 2025-01-15" in first
        url = second.split("export NBA_STATS_BASE_URL=", 1)[1].split()[0]
        assert requests.get(f"{url}/commonteamyears", params={"LeagueID": "00"}, timeout=10).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
