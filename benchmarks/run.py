"""Benchmarks of the history backfill and the nightly sync; writes benchmarks/RESULTS.md.

Every figure is measured in one run, side by side with the figure it is compared to,
and reported as a ratio: the machine is shared and noisy, absolute seconds are not.
The fake stats API runs in a process of its own so that serving JSON does not share the
loader's interpreter.

    python benchmarks/run.py [--seasons 30] [--rows-seasons 3] [--play-by-play-seasons 30]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from fake_stats import FakeStatsAPI, SyntheticLeague  # noqa: E402
from loader.database import connect  # noqa: E402
from loader.nba_stats.helpers import StatsClient  # noqa: E402
from loader.nba_stats.settings import (  # noqa: E402
    FIRST_PLAY_BY_PLAY_SEASON,
    PLAY_BY_PLAY_TABLE,
    PLAYER_LOG_COLUMNS,
    SYNCABLE_SEASON_TYPES,
    TEAM_LOG_COLUMNS,
)
from loader.ops.audit import Recorder  # noqa: E402
from loader.ops.lock import run_lock  # noqa: E402
from loader.runs.backfill import extract_load, run_backfill, seasons_between  # noqa: E402
from loader.runs.nightly import run_elt  # noqa: E402
from loader.runs.steps import RunSummary  # noqa: E402
from loader.settings import Settings, format_season  # noqa: E402

LAST_SEASON = "2025-26"
#: The fake clock: mid-season 2025-26, so the nightly sync has a season in progress.
NOW = date(2026, 2, 1)
#: (g): one whole season, synced the day after its finals.
ONE_SEASON, AFTER_ONE_SEASON = "2024-25", date(2025, 7, 1)
_DUCKDB_TYPES = {"text": "varchar", "bigint": "bigint", "double": "double", "date": "date"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seasons", type=int, default=30)
    parser.add_argument("--rows-seasons", type=int, default=3,
                        help="seasons for the columnar/rows comparison (the row path is slow)")
    parser.add_argument("--play-by-play-seasons", type=int, default=30,
                        help="the newest of the seasons whose play-by-play (j) backfills (1996-97 on)")
    parser.add_argument("--postgres-url", default="postgresql://postgres:bench@127.0.0.1:5432/postgres",
                        help="a server where the benchmark may create and drop databases (any password under trust)")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args()
    seasons = [format_season(int(LAST_SEASON[:4]) - back) for back in range(args.seasons - 1, -1, -1)]
    work = Path(tempfile.mkdtemp(prefix="nba-elt-bench-"))
    server = _start_fake_api(seasons)
    try:
        base_url = _base_url(server)
        figures = _measure(seasons, args.rows_seasons, base_url, work, args.postgres_url, args.play_by_play_seasons)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    args.output.write_text(_report(figures, args))
    print(args.output.read_text())


def _start_fake_api(seasons: list[str], cache_bodies: bool = True) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "fake_stats", "--port", "0", "--seasons", ",".join(seasons), "--now", NOW.isoformat(),
         *(["--cache-bodies"] if cache_bodies else [])],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )


def _base_url(server: subprocess.Popen[str]) -> str:
    return server.stdout.readline().strip().rsplit(" ", 1)[-1]  # type: ignore[union-attr]


def _postgres_settings(base_url: str, server_url: str, database: str, **extra: str) -> Settings:
    """A fresh PostgreSQL database named ``database`` on the server of ``server_url``."""
    _postgres_admin(server_url, f"drop database if exists {database} with (force)")
    _postgres_admin(server_url, f"create database {database}")
    return Settings.from_env({
        "NBA_TARGET": "postgres", "DATABASE_URL": f"{server_url.rsplit('/', 1)[0]}/{database}",
        "NBA_STATS_BASE_URL": base_url, "NBA_SEASON": LAST_SEASON, "NBA_REQUEST_DELAY": "0",
        "NBA_REQUEST_JITTER": "0", "NBA_PLAY_BY_PLAY": "off", **extra,
    })


def _alternated(pair: tuple[str, str], times: int = 3) -> list[str]:
    """Each of ``pair`` ``times`` times, in turns whose order alternates (a b, b a, a b), so
    that neither side always runs first on a warm or a cold machine."""
    return [name for turn in range(times) for name in (pair if turn % 2 == 0 else pair[::-1])]


def _fresh_database(target: str, base_url: str, postgres_url: str, work: Path, name: str, **extra: str) -> Settings:
    """Settings for an empty database of ``target`` named ``name``: created anew on PostgreSQL,
    a deleted file on DuckDB."""
    if target == "postgres":
        return _postgres_settings(base_url, postgres_url, name, **extra)
    (work / f"{name}.duckdb").unlink(missing_ok=True)
    return _settings(base_url, work / f"{name}.duckdb", **extra)


def _postgres_admin(server_url: str, sql: str) -> None:
    connection = psycopg2.connect(server_url)
    connection.autocommit = True
    try:
        connection.cursor().execute(sql)
    finally:
        connection.close()


def _settings(base_url: str, path: Path, **extra: str) -> Settings:
    """DuckDB at ``path``; the box-score figures leave play-by-play out (its own are (i), (j))."""
    return Settings.from_env({
        "NBA_TARGET": "duckdb", "NBA_DUCKDB_PATH": str(path), "NBA_STATS_BASE_URL": base_url,
        "NBA_SEASON": LAST_SEASON, "NBA_REQUEST_DELAY": "0", "NBA_REQUEST_JITTER": "0", "NBA_PLAY_BY_PLAY": "off",
        **extra,
    })


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def _measure(seasons: list[str], rows_seasons: int, base_url: str, work: Path, postgres_url: str,
             play_by_play_seasons: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"seasons": seasons, "rows_seasons": seasons[-rows_seasons:]}
    print(f"saving the response bodies of {len(seasons)} seasons ...", flush=True)
    bodies = work / "bodies"
    figures["body_bytes"] = _save_bodies(base_url, seasons, bodies)

    print("(a) DuckDB read_json of the saved bodies ...", flush=True)
    figures["read_json_seconds"], figures["read_json_rows"] = _timed(lambda: _read_json(bodies, work / "json.duckdb"))
    print("(a) extract-load of the same seasons, columnar ...", flush=True)
    figures["load_seconds"], figures["load_rows"] = _timed(
        lambda: _extract_load(_settings(base_url, work / "columnar.duckdb"), seasons))

    print(f"(f) extract-load of {len(seasons)} seasons into PostgreSQL and into DuckDB, alternated 3 times ...",
          flush=True)
    targets: dict[str, list[float]] = {"postgres": [], "duckdb": []}
    for target in _alternated(("postgres", "duckdb")):
        settings = _fresh_database(target, base_url, postgres_url, work, "nba_elt_bench")
        seconds, _ = _timed(functools.partial(_extract_load, settings, seasons))
        targets[target].append(seconds)
    _postgres_admin(postgres_url, "drop database if exists nba_elt_bench with (force)")
    figures["targets"] = targets

    print(f"(e) columnar against rows on {rows_seasons} seasons ...", flush=True)
    for path in ("columnar", "rows"):
        figures[f"{path}_small_seconds"], _ = _timed(functools.partial(
            _extract_load, _settings(base_url, work / f"{path}-small.duckdb", NBA_LOAD_PATH=path),
            figures["rows_seasons"]))

    print("(c) the whole backfill in a child process ...", flush=True)
    history = work / "history.duckdb"
    figures.update(_backfill_child(base_url, history, seasons))
    figures["requests_per_season"] = _backfill_requests(_settings(base_url, history))

    print("(g) one whole season on each target, alternated 3 times ...", flush=True)
    figures["season_targets"] = _season_on_each_target(work, postgres_url)

    print("(b) the nightly sync on 30 seasons of history and on 1, three nights on ...", flush=True)
    figures.update(_nightly(seasons, history, work / "one.duckdb"))

    print(f"(i) one season's play-by-play ({ONE_SEASON}) against DuckDB read_json of its bodies ...", flush=True)
    figures.update(_season_of_play_by_play(base_url, work))
    with_play_by_play = [season for season in seasons if season >= FIRST_PLAY_BY_PLAY_SEASON][-play_by_play_seasons:]
    print(f"(j) the play-by-play backfill of {len(with_play_by_play)} seasons in a child process ...", flush=True)
    figures.update(_play_by_play_backfill_child(with_play_by_play, work / "play-by-play.duckdb"))
    return figures


def _season_of_play_by_play(base_url: str, work: Path) -> dict[str, Any]:
    """(i): ``nba-elt backfill --play-by-play`` of one season whose box scores are loaded
    (fetch, load, marts, audits), against DuckDB's read_json of the same bodies into one
    table of actions. The bodies are fetched and saved first, so the fake API answers the
    loader from the bodies it encoded then."""
    settings = _settings(base_url, work / "one-play-by-play.duckdb", NBA_SEASON=ONE_SEASON, NBA_PLAY_BY_PLAY="on")
    run_backfill(settings, ONE_SEASON, ONE_SEASON, today=NOW)
    with connect(settings) as database:
        games = [game_id for game_id, in database.query("select distinct game_id from raw.team_game_logs")]
    bodies = work / "play-by-play-bodies"
    bodies.mkdir()
    size = 0
    with requests.Session() as session:
        for game_id in games:
            response = session.get(f"{base_url}/playbyplayv3",
                                   params={"GameID": game_id, "StartPeriod": "0", "EndPeriod": "0"}, timeout=60)
            response.raise_for_status()
            (bodies / f"{game_id}.json").write_bytes(response.content)
            size += len(response.content)
    read_json_seconds, read_json_rows = _timed(lambda: _read_play_by_play_json(bodies, work / "pbp-json.duckdb"))
    load_seconds, summary = _timed(lambda: run_backfill(settings, ONE_SEASON, ONE_SEASON, today=NOW,
                                                        play_by_play=True))
    if summary.status != "success":
        raise SystemExit(f"the play-by-play backfill ended {summary.status}: {summary.failed_audits}")
    return {"pbp_games": len(games), "pbp_body_bytes": size, "pbp_read_json_seconds": read_json_seconds,
            "pbp_read_json_rows": read_json_rows, "pbp_load_seconds": load_seconds,
            "pbp_load_rows": summary.rows_per_table.get(PLAY_BY_PLAY_TABLE, 0)}


def _read_play_by_play_json(bodies: Path, path: Path) -> int:
    """DuckDB alone: the saved play-by-play bodies into one table, an action a row."""
    with duckdb.connect(str(path)) as database:
        database.execute(f"""
            create table play_by_play_actions as
            with games as (
                select game.gameId as game_id, unnest(game.actions) as action
                from read_json('{bodies}/*.json', maximum_object_size = 100000000)
            )
            select game_id, unnest(action) from games
        """)
        return database.execute("select count(*) from play_by_play_actions").fetchone()[0]  # type: ignore[index]


def _play_by_play_backfill_child(seasons: list[str], path: Path) -> dict[str, Any]:
    """(j): ``nba-elt backfill --play-by-play`` of ``seasons`` in a child process, its peak
    memory; the fake API in its own process keeps no body (a season's play-by-play is a
    third of a GB of JSON)."""
    server = _start_fake_api(seasons, cache_bodies=False)
    try:
        env = {
            **{key: value for key, value in os.environ.items() if not key.startswith(("NBA_", "DATABASE_URL"))},
            "NBA_TARGET": "duckdb", "NBA_DUCKDB_PATH": str(path), "NBA_STATS_BASE_URL": _base_url(server),
            "NBA_SEASON": LAST_SEASON, "NBA_REQUEST_DELAY": "0", "NBA_REQUEST_JITTER": "0",
        }
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "loader", "backfill", "--from", seasons[0], "--to",
                                  seasons[-1], "--play-by-play"], cwd=REPO_ROOT, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        actions = None
        with contextlib.suppress(duckdb.Error):  # a database a failed run invalidated cannot be opened
            with duckdb.connect(str(path), read_only=True) as database:
                actions = database.execute("select count(*) from raw.play_by_play_actions").fetchone()[0]  # type: ignore[index]
    finally:
        server.terminate()
        server.wait()
    # A failed backfill is a figure too (its exit code in the report), not the end of the others.
    return {"pbp_backfill_seasons": seasons, "pbp_backfill_seconds": seconds, "pbp_backfill_actions": actions,
            "pbp_backfill_max_rss_bytes": usage.ru_maxrss * 1024,
            "pbp_backfill_exit_code": os.waitstatus_to_exitcode(status)}


def _nightly(seasons: list[str], history: Path, one_path: Path) -> dict[str, Any]:
    """(b): the night after NOW and the two after it, each bringing that night's games, synced
    into the backfilled history and into a database of the last season alone, alternating
    which goes first. The clock moves, so the fake API runs here, in this process, serving
    the league the backfill was served (same seasons, same seed), with no body kept."""
    league = SyntheticLeague(seasons, seed=0)
    with FakeStatsAPI(league, now=NOW) as api:
        databases = {"history": _settings(api.base_url, history), "one": _settings(api.base_url, one_path)}
        run_elt(databases["one"], today=NOW)
        nightly: dict[str, list[float]] = {"history": [], "one": []}
        requests_per_night: list[dict[str, int]] = []
        for turn, name in enumerate(_alternated(("history", "one"))):
            api.now = NOW + timedelta(days=1 + turn // 2)  # both databases sync each night
            with StatsClient(databases[name]) as client:
                seconds, summary = _timed(functools.partial(run_elt, databases[name], today=api.now, client=client))
                requests_per_night.append(dict(client.requests_by_endpoint))
            if not summary.rows_per_table.get("team_game_logs"):
                raise SystemExit(f"the night of {api.now} brought no games: (b) would measure an idle night")
            nightly[name].append(seconds)
    return {"nightly": nightly, "nightly_requests": requests_per_night[-1]}


def _season_on_each_target(work: Path, postgres_url: str) -> dict[str, list[float]]:
    """(g): one synthetic season (regular season, play-in, playoffs) synced after its finals
    by one whole run (extract, load, dbt run, dbt test) into a fresh DuckDB file and a fresh
    PostgreSQL database, alternating which goes first."""
    league = SyntheticLeague([ONE_SEASON], seed=0)
    seconds: dict[str, list[float]] = {"postgres": [], "duckdb": []}
    with FakeStatsAPI(league, now=AFTER_ONE_SEASON) as api:
        for target in _alternated(("postgres", "duckdb")):
            settings = _fresh_database(target, api.base_url, postgres_url, work, "nba_elt_bench_season",
                                       NBA_SEASON=ONE_SEASON)
            elapsed, summary = _timed(functools.partial(run_elt, settings, today=AFTER_ONE_SEASON))
            if summary.status != "success":
                raise SystemExit(f"the season's run on {target} ended {summary.status}")
            seconds[target].append(elapsed)
    _postgres_admin(postgres_url, "drop database if exists nba_elt_bench_season with (force)")
    return seconds


def _save_bodies(base_url: str, seasons: list[str], folder: Path) -> int:
    """Each leaguegamelog and schedule body as the API sent it, one file per request."""
    folder.mkdir(parents=True)
    size = 0
    with requests.Session() as session:
        for season in seasons:
            calls = [("scheduleleaguev2", {"LeagueID": "00", "Season": season}, f"schedule_{season}.json")]
            calls += [
                ("leaguegamelog", {"LeagueID": "00", "Season": season, "SeasonType": season_type,
                                   "PlayerOrTeam": player_or_team, "Direction": "ASC", "Sorter": "DATE",
                                   "Counter": "0", "DateFrom": "", "DateTo": ""},
                 f"log_{player_or_team}_{season}_{season_type.replace(' ', '')}.json")
                for season_type in SYNCABLE_SEASON_TYPES for player_or_team in ("T", "P")
            ]
            for endpoint, params, name in calls:
                response = session.get(f"{base_url}/{endpoint}", params=params, timeout=60)
                response.raise_for_status()
                (folder / name).write_bytes(response.content)
                size += len(response.content)
    return size


def _log_select(columns: dict[str, str], headers: list[str]) -> str:
    """Select each header's value out of the JSON row, cast as the loader's column hints say."""
    parts = []
    for index, header in enumerate(headers):
        name = header.lower()
        cast = _DUCKDB_TYPES.get(columns.get(name, "text"), "varchar")
        parts.append(f"cast(row_values[{index + 1}] ->> '$' as {cast}) as {name}")
    return ", ".join(parts)


def _read_json(bodies: Path, path: Path) -> int:
    """DuckDB alone: read the saved bodies into the three raw tables, unnesting resultSets/rowSet."""
    first = {kind: json.loads(next(bodies.glob(f"log_{kind}_*")).read_text())["resultSets"][0]["headers"]
             for kind in ("T", "P")}
    with duckdb.connect(str(path)) as database:
        for kind, table, columns in (("T", "team_game_logs", TEAM_LOG_COLUMNS),
                                     ("P", "player_game_logs", PLAYER_LOG_COLUMNS)):
            database.execute(f"""
                create table {table} as
                with result_sets as (
                    select unnest(resultSets) as result_set
                    from read_json('{bodies}/log_{kind}_*.json', maximum_object_size = 1000000000,
                                   columns = {{resultSets: 'struct(name varchar, headers varchar[], rowSet json[])[]'}})
                ),
                rows as (select unnest(result_set.rowSet) as row_json from result_sets),
                typed as (select cast(row_json as json[]) as row_values from rows)
                select {_log_select(columns, first[kind])} from typed
            """)
        database.execute(f"""
            create table schedule_games as
            with schedules as (
                select unnest(leagueSchedule.gameDates) as game_date
                from read_json('{bodies}/schedule_*.json', maximum_object_size = 1000000000)
            ),
            games as (select unnest(game_date.games) as game from schedules)
            select unnest(game) from games
        """)
        return sum(database.execute(f"select count(*) from {table}").fetchone()[0]  # type: ignore[index]
                   for table in ("team_game_logs", "player_game_logs", "schedule_games"))


def _extract_load(settings: Settings, seasons: list[str]) -> int:
    """Raw only: the backfill's extract-load (loader.runs.backfill.extract_load), without dbt."""
    summary = RunSummary(run_id="bench")
    with run_lock(settings) as lock, StatsClient(settings) as client:
        extract_load(settings, lock, client, Recorder(settings), summary,
                     {season: list(settings.season_types) for season in seasons}, NOW)
    return sum(summary.rows_per_table.values())


def _backfill_child(base_url: str, path: Path, seasons: list[str]) -> dict[str, Any]:
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("NBA_", "DATABASE_URL"))},
        "NBA_TARGET": "duckdb", "NBA_DUCKDB_PATH": str(path), "NBA_STATS_BASE_URL": base_url,
        "NBA_SEASON": LAST_SEASON, "NBA_REQUEST_DELAY": "0", "NBA_REQUEST_JITTER": "0", "NBA_PLAY_BY_PLAY": "off",
    }
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "loader", "backfill", "--from", seasons[0], "--to", seasons[-1]],
                             cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"the backfill exited with {child.returncode}")
    return {"backfill_seconds": time.perf_counter() - started,
            "backfill_max_rss_bytes": usage.ru_maxrss * 1024}  # ru_maxrss is in KiB on Linux


def _backfill_requests(settings: Settings) -> dict[str, float]:
    """Requests per season of each backfill load (``nba_stats 1996-97..2005-06``), from its audit row."""
    with connect(settings) as database:
        rows = database.query("select name, api_requests from audit.pipeline_audit where step = 'extract_load'")
    per_season = {}
    for name, count in rows:
        label = name.split(" ", 1)[1]
        first, _, last = label.partition("..")
        per_season[label] = count / len(seasons_between(first, last or first))
    return per_season


def _machine() -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
    return {"nproc": str(os.cpu_count()), "memory": f"{memory_kib / 2**20:.1f} GiB", "cpu": cpu,
            "python": platform.python_version()}


def _report(figures: dict[str, Any], args: argparse.Namespace) -> str:
    machine = _machine()
    seasons = figures["seasons"]
    load_ratio = figures["load_seconds"] / figures["read_json_seconds"]
    history, one = statistics.median(figures["nightly"]["history"]), statistics.median(figures["nightly"]["one"])
    nightly_ratio = history / one
    rss_gib = figures["backfill_max_rss_bytes"] / 2**30
    path_ratio = figures["rows_small_seconds"] / figures["columnar_small_seconds"]
    postgres, duckdb_ = (statistics.median(figures["targets"][name]) for name in ("postgres", "duckdb"))
    target_ratio = postgres / duckdb_
    ratios = [pg / dd for pg, dd in zip(figures["targets"]["postgres"], figures["targets"]["duckdb"], strict=True)]
    season_pg, season_dd = (statistics.median(figures["season_targets"][name]) for name in ("postgres", "duckdb"))
    per_season = figures["requests_per_season"]
    season_types = len(SYNCABLE_SEASON_TYPES)
    worst = max(per_season.values()) if per_season else 0
    nightly_requests = figures["nightly_requests"]
    data_requests = sum(count for endpoint, count in nightly_requests.items() if endpoint != "commonteamyears")

    pbp_ratio = figures["pbp_load_seconds"] / figures["pbp_read_json_seconds"]
    pbp_rss_gib = figures["pbp_backfill_max_rss_bytes"] / 2**30
    pbp_seasons = figures["pbp_backfill_seasons"]

    def met(ok: bool) -> str:
        return "met" if ok else "**missed**"

    return f"""# Benchmarks

Written by `make bench` (`{sys.executable} benchmarks/run.py --seasons {args.seasons} \
--rows-seasons {args.rows_seasons} --play-by-play-seasons {args.play_by_play_seasons}`) on \
{time.strftime('%Y-%m-%d %H:%M')}.
Each comparison is measured side by side in the same run; the machine is shared, so read the ratios.

Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory']} memory, Python {machine['python']}.
Data: {len(seasons)} synthetic seasons ({seasons[0]} to {seasons[-1]}), every season type \
({', '.join(SYNCABLE_SEASON_TYPES)}); the fake clock at {NOW} (mid-season {LAST_SEASON}); the fake stats API in
its own process on loopback, answering a repeated request from the body it encoded the first time (every body
is fetched once beforehand, to save it for `read_json`), so the loader's timings hold no JSON encoding of the
fake API's; pacing off; target DuckDB except in (f) and (g); the backfill's
batches of {Settings().backfill_batch} seasons a load.

| figure | measured | target | |
|---|---|---|---|
| (a) extract-load of {len(seasons)} seasons, raw only (columnar) vs DuckDB `read_json` of the same saved bodies \
| {figures['load_seconds']:.1f} s vs {figures['read_json_seconds']:.1f} s: **{load_ratio:.1f}x** | ≤ 3x | \
{met(load_ratio <= 3)} |
| (b) nightly sync (extract, load, dbt run + test) of three nights in a row, each with its new games, \
{len(seasons)} seasons of history vs 1 (median of 3 each, alternating) \
| {history:.1f} s vs {one:.1f} s: **{nightly_ratio:.2f}x** | ≤ 1.5x | {met(nightly_ratio <= 1.5)} |
| (c) peak memory (max RSS) of the {len(seasons)}-season backfill (`nba-elt backfill`, child process, \
{figures['backfill_seconds']:.0f} s incl. dbt) | **{rss_gib:.2f} GiB** | < 1 GiB | {met(rss_gib < 1)} |
| (d) requests of a nightly sync in the regular season | {data_requests} data + \
{nightly_requests.get('commonteamyears', 0)} heartbeat ({nightly_requests}) | 3 + heartbeat \
| {met(data_requests == 3)} |
| (d) requests per season of the backfill ({season_types} season types) | at most {worst:g} per season \
= {worst / season_types:.2f} per season and type | ≤ 3 per season and type | {met(worst <= 3 * season_types)} |
| (e) extract-load, row-by-row vs columnar ({len(figures['rows_seasons'])} seasons, \
{', '.join(figures['rows_seasons'])}) | {figures['rows_small_seconds']:.1f} s vs \
{figures['columnar_small_seconds']:.1f} s: **columnar {path_ratio:.1f}x faster** | | |
| (f) extract-load of {len(seasons)} seasons into PostgreSQL (every table by COPY) \
vs into DuckDB, alternated, median of 3 each \
| {postgres:.1f} s vs {duckdb_:.1f} s: **{target_ratio:.2f}x** \
(pairs {min(ratios):.2f}x to {max(ratios):.2f}x) | ≤ 1.3x | {met(target_ratio <= 1.3)} |
| (g) one whole season ({ONE_SEASON}, synced after its finals: extract, load, dbt run + test) into \
PostgreSQL vs into DuckDB, fresh databases, alternated, median of 3 each \
| {season_pg:.1f} s vs {season_dd:.1f} s: **{season_pg / season_dd:.2f}x** | | |
| (h) the whole {len(seasons)}-season backfill as a user runs it (`nba-elt backfill`: extract, load, marts, \
audits) vs DuckDB `read_json` of the same bodies (raw tables only) \
| {figures['backfill_seconds']:.1f} s vs {figures['read_json_seconds']:.1f} s: \
**{figures['backfill_seconds'] / figures['read_json_seconds']:.1f}x** | | |
| (i) one season's play-by-play ({ONE_SEASON}: {figures['pbp_games']:,} games, {figures['pbp_load_rows']:,} actions) \
as a user runs it on top of its box scores (`nba-elt backfill --play-by-play`: a request a game, load, marts, \
audits) vs DuckDB `read_json` of the same saved bodies (one raw table) \
| {figures['pbp_load_seconds']:.1f} s vs {figures['pbp_read_json_seconds']:.1f} s: **{pbp_ratio:.1f}x** | ≤ 3x \
| {met(pbp_ratio <= 3)} |
| (j) peak memory (max RSS) of the play-by-play backfill of {len(pbp_seasons)} seasons ({pbp_seasons[0]} to \
{pbp_seasons[-1]}, box scores first; {figures['pbp_backfill_actions'] or 0:,} actions; child process, \
{figures['pbp_backfill_seconds']:.0f} s incl. dbt; exit code {figures['pbp_backfill_exit_code']}) \
| **{pbp_rss_gib:.2f} GiB** | < 1 GiB, exit 0 | {met(pbp_rss_gib < 1 and figures['pbp_backfill_exit_code'] == 0)} |

Raw rows loaded in (a): {figures['load_rows']:,} by the loader, {figures['read_json_rows']:,} by `read_json`;
response bodies {figures['body_bytes'] / 2**20:.0f} MiB. Nightly runs, seconds: history \
{[round(value, 1) for value in figures['nightly']['history']]}, one season \
{[round(value, 1) for value in figures['nightly']['one']]}. Extract-loads of (f), seconds: PostgreSQL \
{[round(value, 1) for value in figures['targets']['postgres']]}, DuckDB \
{[round(value, 1) for value in figures['targets']['duckdb']]}. One season (g), seconds: PostgreSQL \
{[round(value, 1) for value in figures['season_targets']['postgres']]}, DuckDB \
{[round(value, 1) for value in figures['season_targets']['duckdb']]}. Play-by-play bodies of (i): \
{figures['pbp_body_bytes'] / 2**20:.0f} MiB, {figures['pbp_read_json_rows']:,} actions read by `read_json`.
"""


if __name__ == "__main__":
    main()
