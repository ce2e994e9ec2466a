"""The Pulse: ``nba-elt status``, ``GET /api/v1/system/status`` and the page, after a night
whose audits caught bad data, on both targets; and a 503 while a run holds DuckDB's lock."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn
from conftest import MID_SEASON, SEASON, _admin, _postgres_or_skip, database_url, make_settings, query

from fake_stats import FakeStatsAPI, SyntheticLeague
from loader.cli import main
from loader.database import connect
from loader.ops.status import collect_status
from loader.ops.web import create_app
from loader.runs.nightly import run_elt
from loader.runs.steps import AuditsFailed
from loader.settings import REPO_ROOT, Settings

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO_ROOT / "test-artifacts"
ALL_TYPES = ("Regular Season", "PlayIn", "Playoffs")

#: Each anomaly the fake API can serve, and the audit that must catch it.
ANOMALIES = {
    "drop_team_row": "assert_completed_matches_have_two_team_rows",
    "drop_player_rows": "assert_completed_matches_have_player_rows",
    "null_team_points": "assert_completed_matches_have_scores",
}


@dataclass
class AuditedNight:
    settings: Settings
    env: dict[str, str]
    league: SyntheticLeague
    spoiled: dict[str, str]  # anomaly -> game id
    error: AuditsFailed
    target: str


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def night(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuditedNight]:
    """One run (shared by this module's tests) over a league with one anomaly per kind, each in its own game."""
    if request.param == "postgres":
        _postgres_or_skip()
        name = f"nba_test_{uuid.uuid4().hex[:12]}"
        _admin(f"create database {name}")
        env = {"NBA_TARGET": "postgres", "DATABASE_URL": database_url(name)}
    else:
        env = {"NBA_TARGET": "duckdb", "NBA_DUCKDB_PATH": str(tmp_path_factory.mktemp("pulse") / "pulse.duckdb")}
    league = SyntheticLeague([SEASON], seed=23)
    completed = sorted(league.truth(SEASON, ALL_TYPES, MID_SEASON)["completed"])
    spoiled = dict(zip(ANOMALIES, completed[10:13], strict=True))
    for anomaly, game_id in spoiled.items():
        getattr(league, anomaly)(game_id)
    try:
        with FakeStatsAPI(league, now=MID_SEASON) as api:
            settings = make_settings(env, api)
            with pytest.raises(AuditsFailed) as failed:
                run_elt(settings, today=MID_SEASON)
            yield AuditedNight(settings, {**env, **_api_env(api)}, league, spoiled, failed.value, request.param)
    finally:
        if request.param == "postgres":
            _admin(f"drop database if exists {name} with (force)")


def _api_env(api: FakeStatsAPI) -> dict[str, str]:
    return {"NBA_STATS_BASE_URL": api.base_url, "NBA_SEASON": SEASON, "NBA_PLAY_BY_PLAY": "off"}


def _mart(settings: Settings, table: str, columns: str, rest: str = "") -> list[tuple[Any, ...]]:
    """Rows of ``nba.<table>``."""
    with connect(settings) as database:
        return database.query(f"select {columns} from nba.{table} {rest}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(settings: Settings, token: str | None = None) -> Iterator[str]:
    """``nba-elt serve``'s app under uvicorn on a free loopback port, for the length of a block."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, token), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120,
    )


def test_each_anomaly_fails_its_audit_with_its_failure_count_and_spares_the_other_games(
    night: AuditedNight,
) -> None:
    assert "the data is loaded" in str(night.error)
    run_id = query(night.settings, "select run_id, status from audit.pipeline_audit where step = 'run'")
    assert len(run_id) == 1 and run_id[0][1] == "fail"
    failed = {name: (failures, message) for name, failures, message in query(
        night.settings,
        "select name, failures, message from audit.pipeline_audit where step = 'audit_check' "
        "and status = 'fail' and run_id = %s", (run_id[0][0],),
    )}
    # a game that lost a team row also lacks that side's score: two games fail the score audit,
    # and disagree with the schedule's score
    assert {name: failures for name, (failures, _) in failed.items()} == {
        "assert_completed_matches_have_two_team_rows": 1,
        "assert_completed_matches_have_player_rows": 1,
        "assert_completed_matches_have_scores": 2,
        "assert_matches_agree_with_schedule": 2,
    }
    # AND each audit row names the games that broke its rule, not only how many
    spoiled_by = {"assert_completed_matches_have_two_team_rows": ["drop_team_row"],
                  "assert_completed_matches_have_player_rows": ["drop_player_rows"],
                  "assert_completed_matches_have_scores": ["drop_team_row", "null_team_points"],
                  "assert_matches_agree_with_schedule": ["drop_team_row", "null_team_points"]}
    for name, anomalies in spoiled_by.items():
        message = failed[name][1]
        assert all(night.spoiled[anomaly] in message for anomaly in anomalies), (name, message)
    assert "box score" in failed["assert_matches_agree_with_schedule"][1]
    # THEN every game the anomalies did not touch is in the marts exactly as the league played it
    truth = night.league.truth(SEASON, ALL_TYPES, MID_SEASON)
    spoiled = set(night.spoiled.values())
    points = {(game_id, team_id): value for game_id, team_id, value in _mart(
        night.settings, "team_game_stats", "game_id, team_id, points")}
    want = {(game_id, team_id): value for game_id, sides in truth["team_points"].items()
            if game_id not in spoiled for team_id, value in sides.items()}
    assert {key: value for key, value in points.items() if key[0] not in spoiled} == want
    players = dict(_mart(night.settings, "player_game_stats", "game_id, count(*)", "group by game_id"))
    assert {game_id: rows for game_id, rows in players.items() if game_id not in spoiled} == {
        game_id: sum(len(lines) for lines in night.league.game(game_id).lines.values())
        for game_id in truth["completed"] if game_id not in spoiled
    }


def _status_cli(night: AuditedNight, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                *options: str) -> tuple[int, str]:
    """``nba-elt status`` against the night's database: its exit code and what it printed."""
    for key, value in night.env.items():
        monkeypatch.setenv(key, value)
    capsys.readouterr()
    exit_code = main(["status", *options])
    return exit_code, capsys.readouterr().out


def test_the_status_cli_and_the_endpoint_return_the_same_json(
    night: AuditedNight, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code, printed = _status_cli(night, monkeypatch, capsys, "--json")
    assert exit_code == 2, "the night's audits failed: a monitor sees 2"
    from_cli = json.loads(printed)
    with serving(night.settings) as base:
        response = requests.get(f"{base}/api/v1/system/status", timeout=30)
        refused = requests.post(f"{base}/api/v1/system/status", timeout=30)
    assert response.status_code == 200
    from_api = response.json()
    for status in (from_cli, from_api):
        status.pop("generated_at")
    assert from_cli == from_api
    # and it says what happened: the run failed, its failing audits come first
    assert from_api["last_run"]["status"] == "fail" and from_api["health"] == "fail"
    failing = [check["name"] for check in from_api["audit_checks"] if check["status"] == "fail"]
    assert set(ANOMALIES.values()) <= set(failing)
    assert [check["name"] for check in from_api["audit_checks"][:len(failing)]] == failing
    truth = night.league.truth(SEASON, ALL_TYPES, MID_SEASON)
    assert from_api["rows_per_mart"]["matches"] == len(truth["completed"]) + len(truth["scheduled_not_completed"])
    assert from_api["freshness"]["latest_completed_game_date"] == max(
        game["date"] for game in truth["completed"].values())
    assert refused.status_code == 405, "the app is read-only"


def test_the_status_table_lists_the_failing_audits_with_their_games_and_counts_the_rest(
    night: AuditedNight, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code, table = _status_cli(night, monkeypatch, capsys)
    assert exit_code == 2
    status = collect_status(night.settings)
    failing = [check for check in status["audit_checks"] if check["status"] != "success"]
    passing = len(status["audit_checks"]) - len(failing)
    assert f"audits: {passing} of {len(status['audit_checks'])} passing" in table
    assert all(game_id in table for game_id in night.spoiled.values()), "the failing audits name their games"
    assert sum(check["name"] in table for check in status["audit_checks"]) == len(failing), "passing ones counted"
    assert f"data of season {SEASON}" in table and "pre-flight checks" in table
    assert "stats_api" in table and "database" in table


#: The page in a frame ``width`` px wide and 900 high (headless Chromium's windows are 500 px
#: wide at least), and a script that measures, once it is laid out, what a person sees there,
#: into <pre id="seen"> (as JSON).
_FRAMED = """<!doctype html><html><body style="margin:0">
<iframe id="frame" src="page.html" style="width:{width}px;height:900px;border:0"></iframe>
<script>
document.getElementById("frame").addEventListener("load", () => {{
  const view = document.getElementById("frame").contentWindow, page = view.document;
  const box = (id) => {{ const node = page.getElementById(id); return node && node.getBoundingClientRect(); }};
  const cause = box("cause"), failing = box("failing-audits");
  const seen = document.createElement("pre");
  seen.id = "seen";
  seen.textContent = JSON.stringify({{
    scrollWidth: page.documentElement.scrollWidth, innerWidth: view.innerWidth, innerHeight: view.innerHeight,
    causeBottom: cause && cause.bottom, failingTop: failing && failing.top,
    headline: page.getElementById("headline").textContent}});
  document.body.appendChild(seen);
}});
</script></body></html>"""


def _seen(page: str, width: int, folder: Path, screenshot: Path) -> dict[str, Any]:
    """Chromium's layout of ``page`` ``width`` px wide: the measures of _FRAMED, and a
    screenshot of what it shows."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "page.html").write_text(page)
    framed = folder / "framed.html"
    framed.write_text(_FRAMED.format(width=width))
    window = [f"--window-size={max(width, 500)},900", "--allow-file-access-from-files", "--virtual-time-budget=10000"]
    dom = _chromium("--dump-dom", *window, framed.as_uri(), profile=folder / "dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    shot = _chromium(f"--screenshot={screenshot}", *window, "--hide-scrollbars", framed.as_uri(),
                     profile=folder / "shot")
    assert shot.returncode == 0 and screenshot.exists() and screenshot.stat().st_size > 10_000, shot.stderr[-2000:]
    found = re.search(r'<pre id="seen">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stdout[-2000:]
    return dict(json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")))


@pytest.mark.parametrize("width", [1400, 420])
def test_the_pulse_in_chromium_shows_why_the_run_failed_on_the_first_screen_at_any_width(
    night: AuditedNight, tmp_path: Path, width: int
) -> None:
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    ARTIFACTS.mkdir(exist_ok=True)
    with serving(night.settings) as base:
        page = requests.get(f"{base}/", timeout=30).text
    seen = _seen(page, width, tmp_path, ARTIFACTS / f"pulse-{night.target}-{width}.png")
    # THEN the first screen says the run failed, at which step and why, and names the failing audits
    assert seen["headline"] == "The last run failed at dbt test", seen
    assert seen["causeBottom"] <= seen["innerHeight"] and seen["failingTop"] < seen["innerHeight"], seen
    failing = page.split('id="failing-audits"', 1)[1].split("</ul>", 1)[0]
    assert set(ANOMALIES.values()) <= set(re.findall(r'<li data-key="([^"]+)"', failing))
    assert all(game_id in failing for game_id in night.spoiled.values()), "each failing audit names its games"
    # AND nothing overflows sideways, at 420 px too
    assert seen["innerWidth"] == width and seen["scrollWidth"] <= width, seen
    # AND the passing audits are folded per family, the last run is a timeline of its steps
    assert re.search(r'<details class="family" id="family-not_null">', page)
    assert "<details open" not in page
    steps = re.findall(r'<tr data-key="([a-z_]+)"><td data-label="status">', page.split('id="steps"', 1)[1])
    assert steps[:4] == ["preflight", "extract_load", "transform", "audit"], steps
    assert 'id="chart-seconds"' in page and 'rel="icon"' in page


def test_while_a_run_holds_the_duckdb_lock_the_page_is_calm_and_the_endpoint_says_when_to_ask_again(
    tmp_path: Path, fake_api: FakeStatsAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN another process holding the DuckDB file's write lock, as `nba-elt elt` does during a load
    path = tmp_path / "busy.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; connection = duckdb.connect(sys.argv[1]); "
         "connection.execute('create schema audit'); print('locked', flush=True); time.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        settings = make_settings({"NBA_TARGET": "duckdb", "NBA_DUCKDB_PATH": str(path)}, fake_api)
        with serving(settings) as base:
            api: Any = requests.get(f"{base}/api/v1/system/status", timeout=30)
            page = requests.get(f"{base}/", timeout=30)
            # THEN the endpoint answers 503 with when to ask again, and the page, calmly, that a
            # run is in progress; both say why in a sentence, nothing crashed
            assert api.status_code == 503 and "locked by a run in progress" in api.json()["message"]
            assert api.json()["error"] == "run_in_progress" and api.headers["retry-after"] == "30"
            assert page.status_code == 200 and "locked by a run in progress" in page.text
            assert 'class="verdict calm" id="verdict" data-status="running"' in page.text
            assert "A run is in progress" in page.text
            # AND nba-elt status warns (1), as a run in progress is no failure
            monkeypatch.setenv("NBA_TARGET", "duckdb")
            monkeypatch.setenv("NBA_DUCKDB_PATH", str(path))
            assert main(["status"]) == 1
            holder.kill()
            holder.wait()
            assert requests.get(f"{base}/api/v1/system/status", timeout=30).status_code == 200
    finally:
        holder.kill()
        holder.wait()



def test_head_answers_like_get_on_both_routes(night: AuditedNight) -> None:
    with serving(night.settings) as base:
        for path in ("/", "/api/v1/system/status"):
            got, head = requests.get(f"{base}{path}", timeout=30), requests.head(f"{base}{path}", timeout=30)
            assert (head.status_code, head.headers["content-type"]) == (got.status_code, got.headers["content-type"])
            assert head.status_code == 200 and head.content == b""


def test_a_token_guards_both_routes_as_a_bearer_header_or_a_query_parameter(night: AuditedNight) -> None:
    token = "pulse-token-" + uuid.uuid4().hex
    with serving(night.settings, token) as base:
        for path in ("/", "/api/v1/system/status"):
            assert requests.get(f"{base}{path}", timeout=30).status_code == 401
            assert requests.get(f"{base}{path}", headers={"Authorization": "Bearer wrong"}, timeout=30).status_code \
                == 401
            assert requests.get(f"{base}{path}", headers={"Authorization": f"Bearer {token}"},
                                timeout=30).status_code == 200
            assert requests.get(f"{base}{path}?token={token}", timeout=30).status_code == 200


def test_serving_beyond_loopback_needs_a_token_or_an_explicit_public_flag(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("NBA_TARGET", "duckdb")
    monkeypatch.setenv("NBA_DUCKDB_PATH", str(tmp_path / "pulse.duckdb"))
    monkeypatch.delenv("NBA_STATUS_TOKEN", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--port", str(_free_port())]) == 2
    assert "set NBA_STATUS_TOKEN" in capsys.readouterr().out
